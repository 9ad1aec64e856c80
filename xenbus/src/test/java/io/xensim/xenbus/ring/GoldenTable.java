package io.xensim.xenbus.ring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * shared/reference/abi-golden.tsv (name TAB value, probed from the real headers): from the
 * {@code xensim.reference.dir} property that surefire sets, or else the first {@code shared/reference} found
 * walking up from the working directory (a worktree sits deeper than the main checkout).
 */
final class GoldenTable {
    private static final String FILE = "abi-golden.tsv";

    private GoldenTable() {
    }

    static Map<String, String> load() throws IOException {
        Path file = locate();
        Map<String, String> table = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                table.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        return table;
    }

    private static Path locate() {
        String dir = System.getProperty("xensim.reference.dir");
        if (dir != null && Files.isRegularFile(Path.of(dir, FILE))) {
            return Path.of(dir, FILE);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("reference").resolve(FILE);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("xensim.reference.dir: " + dir + " (expected: a directory holding " + FILE
                + ", or shared/reference/" + FILE + " above " + Path.of("").toAbsolutePath() + ")");
    }
}
