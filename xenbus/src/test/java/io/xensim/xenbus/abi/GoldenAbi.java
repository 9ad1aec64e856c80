package io.xensim.xenbus.abi;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The golden ABI table ({@code abi-golden.tsv} on the test class path, a copy of
 * {@code shared/reference/abi-golden.tsv}): {@code name<TAB>value} rows generated from the libxen-dev 4.17 headers
 * by a C probe, in file order.
 */
public final class GoldenAbi {
    private GoldenAbi() {
    }

    public static Map<String, String> load() {
        InputStream in = GoldenAbi.class.getResourceAsStream("/abi-golden.tsv");
        if (in == null) {
            throw new IllegalStateException("abi-golden.tsv is not on the test class path");
        }
        Map<String, String> rows = new LinkedHashMap<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                int tab = line.indexOf('\t');
                if (tab <= 0) {
                    throw new IllegalStateException("abi-golden.tsv: line without name<TAB>value: " + line);
                }
                if (rows.put(line.substring(0, tab), line.substring(tab + 1)) != null) {
                    throw new IllegalStateException("abi-golden.tsv: name twice: " + line.substring(0, tab));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableMap(rows);
    }
}
