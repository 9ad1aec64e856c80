import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Run by ./run-tests after Maven (java scripts/SkippedTests.java STAMP ROOT): reads the surefire reports
 * (ROOT/[module]/target/surefire-reports/TEST-*.xml) written after the file STAMP was touched, and prints which
 * tests were skipped and why, grouped by reason, or one line saying that none was.
 */
public final class SkippedTests {
    private SkippedTests() {
    }

    public static void main(String[] args) throws Exception {
        FileTime since = Files.getLastModifiedTime(Path.of(args[0]));
        Path root = Path.of(args[1]);
        List<Path> reports = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.toList()) {
                Path dir = module.resolve("target/surefire-reports");
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(f -> f.getFileName().toString().matches("TEST-.*\\.xml"))
                            .filter(f -> modifiedAfter(f, since))
                            .forEach(reports::add);
                }
            }
        }
        if (reports.isEmpty()) {
            System.out.println("run-tests: no test reports were written, so no list of skipped tests.");
            return;
        }
        Map<String, List<String>> byReason = new TreeMap<>();
        int skipped = 0;
        var factory = DocumentBuilderFactory.newInstance();
        for (Path report : reports) {
            Element suite = factory.newDocumentBuilder().parse(report.toFile()).getDocumentElement();
            if ("0".equals(suite.getAttribute("tests"))) {
                // JUnit skips every test of a class whose @BeforeAll aborts; surefire then reports no test at all.
                byReason.computeIfAbsent("ran no test (aborted in @BeforeAll or a class-level condition; see "
                        + report.getParent().getParent().getParent().getFileName() + "/target/surefire-reports)",
                        r -> new ArrayList<>()).add(simpleName(suite.getAttribute("name")) + " (all its tests)");
                skipped++;
                continue;
            }
            NodeList cases = suite.getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element testcase = (Element) cases.item(i);
                NodeList skips = testcase.getElementsByTagName("skipped");
                if (skips.getLength() == 0) {
                    continue;
                }
                String test = simpleName(testcase.getAttribute("classname")) + "." + testcase.getAttribute("name");
                byReason.computeIfAbsent(reason((Element) skips.item(0)), r -> new ArrayList<>()).add(test);
                skipped++;
            }
        }
        if (skipped == 0) {
            System.out.println("run-tests: no test skipped (" + reports.size() + " test classes reported).");
            return;
        }
        System.out.println("run-tests: " + skipped + " test" + (skipped == 1 ? "" : "s") + " skipped:");
        byReason.forEach((reason, tests) -> {
            System.out.println("  " + reason);
            System.out.println("    " + String.join(", ", tests));
        });
    }

    /**
     * The skip's message attribute, or else the first line of its text (with trimStackTrace=false surefire writes
     * the exception there: "org.opentest4j.TestAbortedException: reason") less the exception's class.
     */
    private static String reason(Element skipped) {
        String message = skipped.getAttribute("message").strip();
        if (message.isEmpty()) {
            message = skipped.getTextContent().strip().lines().findFirst().orElse("")
                    .replaceFirst("^[\\w.$]+(Exception|Error): ", "");
        }
        return message.isEmpty() ? "(no reason given)" : message;
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static boolean modifiedAfter(Path file, FileTime since) {
        try {
            return Files.getLastModifiedTime(file).compareTo(since) >= 0;
        } catch (IOException e) {
            return false;
        }
    }
}
