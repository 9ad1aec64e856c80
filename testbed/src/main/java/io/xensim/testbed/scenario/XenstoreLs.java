package io.xensim.testbed.scenario;

import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.toolstack.Toolstack;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code xenstore-ls -p PATH} as a real host prints it when stdout is not a terminal: the nodes below {@code PATH},
 * one per line, indented one space per level, each {@code name = "value"} padded with alternating dots and spaces
 * to column 60, then two spaces and the node's permissions, e.g. {@code state = "4"  . . . (n1,r0)}.
 *
 * <p>In Xen this is the {@code ls} mode of tools/xenstore/xenstore_client.c; read through the toolstack's
 * privileged connection, as dom0's root runs it.
 *
 * <p><b>Threading:</b> call from outside the domains (it awaits the toolstack's xenstore replies).
 *
 * <p><b>Reference:</b> xenstore_client.c {@code do_ls} (Xen 4.17): {@code max_width} 80 (no terminal),
 * {@code desired_width} 60, {@code TAG} {@code  = "..."}; a value too long for the line is cut and marked
 * {@code \...}. Values here are printable, so {@code sanitise_value}'s escaping is not applied.
 */
public final class XenstoreLs {
    /** {@code max_width} when stdout is not a terminal. */
    static final int MAX_WIDTH = 80;
    /** {@code desired_width}: the column the permissions' padding reaches. */
    static final int DESIRED_WIDTH = 60;
    /** {@code TAG_LEN}: strlen(" = \"...\""). */
    static final int TAG_LEN = 8;

    private XenstoreLs() {
    }

    /** The lines {@code xenstore-ls -p path} prints (the children of {@code path}, not {@code path} itself). */
    public static List<String> ls(Toolstack toolstack, String path) {
        List<String> out = new ArrayList<>();
        doLs(toolstack, toolstack.xs().client(), path, 0, out);
        return out;
    }

    // do_ls: one line per child, then the child's own children one level deeper.
    private static void doLs(Toolstack t, XsClient xs, String path, int depth, List<String> out) {
        for (String child : t.await(xs.directory(path))) {
            String childPath = (path.endsWith("/") ? path : path + "/") + child;
            var line = new StringBuilder(" ".repeat(depth));
            line.append(child, 0, Math.min(child.length(), Math.max(0, MAX_WIDTH - TAG_LEN - depth)));
            String value = t.await(xs.readOptional(XsClient.NO_TX, childPath)).orElse(null);
            if (value == null) {
                line.append(':');
            } else if (MAX_WIDTH < line.length() + value.length() + TAG_LEN) {
                int keep = Math.max(0, MAX_WIDTH - TAG_LEN - line.length());
                line.append(" = \"").append(value, 0, Math.min(keep, value.length())).append("\\...\"");
            } else {
                line.append(" = \"").append(value).append("\" ");
                for (int width = line.length(); width < Math.min(DESIRED_WIDTH, MAX_WIDTH); width++) {
                    line.append((width & 1) == 1 ? '.' : ' ');
                }
            }
            String perms = t.await(xs.getPerms(childPath)).stream().map(Object::toString)
                    .collect(Collectors.joining(","));
            line.append("  (").append(perms).append(')');
            out.add(line.toString());
            doLs(t, xs, childPath, depth + 1, out);
        }
    }
}
