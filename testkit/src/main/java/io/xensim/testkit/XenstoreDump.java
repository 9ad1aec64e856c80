package io.xensim.testkit;

import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.toolstack.Toolstack;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** {@code xenstore-ls -p -f} of a subtree, through the toolstack's (privileged) connection: one line per node. */
public final class XenstoreDump {
    private XenstoreDump() {
    }

    public static List<String> dump(Toolstack toolstack, String path) {
        List<String> out = new ArrayList<>();
        walk(toolstack, toolstack.xs().client(), path, out);
        return out;
    }

    private static void walk(Toolstack t, XsClient xs, String path, List<String> out) {
        String value = t.await(xs.readOptional(XsClient.NO_TX, path)).orElse("");
        String perms = t.await(xs.getPerms(path)).stream().map(Object::toString).collect(Collectors.joining(","));
        out.add(path + " = \"" + value + "\" (" + perms + ")");
        for (String child : t.await(xs.directory(path))) {
            walk(t, xs, path + "/" + child, out);
        }
    }
}
