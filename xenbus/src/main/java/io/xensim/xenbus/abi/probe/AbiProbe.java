package io.xensim.xenbus.abi.probe;

import io.xensim.xenbus.abi.AbiFact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Asks the installed Xen headers for the value of ABI fact names: writes the {@link CProbe} program to a temporary
 * directory, compiles it with gcc against an include directory (default {@code /usr/include}, where libxen-dev
 * puts {@code xen/}), runs it and reads its {@code name<TAB>value} lines.
 *
 * <p>A name the headers do not define does not spoil the others: gcc's errors name the fact they occur in
 * ({@code fact-<i>:line:col: error: ...}), those facts are set aside and the rest is compiled again. Each fact
 * set aside is then compiled on its own, because a malformed name (an unbalanced parenthesis) can make gcc report
 * errors in the facts after it; what still fails alone is reported with gcc's first error. Only failures that
 * belong to no fact (a broken or missing header, no gcc) end the probe, as a {@link ProbeUnavailableException}.
 *
 * <p>The names come from the Java code's own {@link io.xensim.xenbus.abi.AbiFactSource}s and are compiled as C:
 * never pass names from an untrusted source.
 *
 * <p><b>Threading:</b> immutable; each call works in its own temporary directory, so calls may run concurrently.
 */
public final class AbiProbe {
    /** Where libxen-dev installs {@code xen/…}. */
    public static final Path DEFAULT_INCLUDE_DIR = Path.of("/usr/include");
    public static final String DEFAULT_COMPILER = "gcc";

    /**
     * GNU C11 for {@code _Generic} and statement blocks; errors reported where a fact expands a macro, not inside
     * the header; a pointer printed as an integer or an undeclared function is an error of that fact rather than
     * a wrong value or a link failure.
     */
    static final List<String> GCC_FLAGS = List.of(
            "-std=gnu11", "-O0", "-ftrack-macro-expansion=0",
            "-fno-diagnostics-show-caret", "-fdiagnostics-color=never",
            "-Werror=int-conversion", "-Werror=implicit-function-declaration");

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** A gcc error line: presumed file, then the message. */
    private static final Pattern ERROR = Pattern.compile("^(.+?):\\d+(?::\\d+)?: (?:fatal )?error: (.*)$");
    private static final Pattern FACT_FILE = Pattern.compile(Pattern.quote(CProbe.FACT_FILE_PREFIX) + "(\\d+)");

    private final Path includeDir;
    private final String compiler;

    public AbiProbe() {
        this(DEFAULT_INCLUDE_DIR, DEFAULT_COMPILER);
    }

    public AbiProbe(Path includeDir) {
        this(includeDir, DEFAULT_COMPILER);
    }

    public AbiProbe(Path includeDir, String compiler) {
        this.includeDir = Objects.requireNonNull(includeDir, "includeDir").toAbsolutePath().normalize();
        this.compiler = Objects.requireNonNull(compiler, "compiler");
    }

    public Path includeDir() {
        return includeDir;
    }

    /** The headers of {@link CProbe#HEADERS} that are not regular files under the include directory. */
    public List<Path> missingHeaders() {
        return CProbe.HEADERS.stream().map(includeDir::resolve).filter(p -> !Files.isRegularFile(p)).toList();
    }

    /** Returns normally if gcc runs and every header the probe includes exists; otherwise says what is missing. */
    public void requireAvailable() throws ProbeUnavailableException {
        inTempDir(this::requireAvailable);
    }

    private void requireAvailable(Path work) throws ProbeUnavailableException {
        List<String> problems = new ArrayList<>();
        try {
            Run version = exec(work, List.of(compiler, "--version"), "version");
            if (version.exitCode() != 0) {
                problems.add("'" + compiler + " --version' exited with " + version.exitCode() + ": "
                        + version.stderr().strip());
            }
        } catch (ProbeUnavailableException e) {
            problems.add(e.getMessage());
        }
        List<Path> missing = missingHeaders();
        if (missing.size() == CProbe.HEADERS.size()) {
            problems.add("Xen headers not found under " + includeDir + ": no " + includeDir.resolve("xen/io/ring.h")
                    + " (install libxen-dev, or use an include directory that holds xen/io/ring.h)");
        } else if (!missing.isEmpty()) {
            problems.add("Xen headers incomplete under " + includeDir + ": missing " + String.join(", ",
                    missing.stream().map(Path::toString).toList()));
        }
        if (!problems.isEmpty()) {
            throw new ProbeUnavailableException(String.join("; ", problems));
        }
    }

    /** Compares each fact with the headers' value for its name. */
    public AbiCheck check(List<AbiFact> facts) throws ProbeUnavailableException {
        return AbiCheck.compare(facts, probe(facts.stream().map(AbiFact::name).toList()));
    }

    /** The headers' value for each name that they define; a reason for each other name. */
    public ProbeResult probe(List<String> names) throws ProbeUnavailableException {
        List<String> unique = List.copyOf(new LinkedHashSet<>(names));
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> unevaluated = new LinkedHashMap<>();
        inTempDir(work -> {
            requireAvailable(work);
            Map<String, String> setAside = new LinkedHashMap<>();
            List<String> batch = unique;
            while (!batch.isEmpty()) {
                Compilation compiled = compile(work, CProbe.source(batch));
                if (compiled.ok()) {
                    runInto(work, batch, values, unevaluated);
                    break;
                }
                if (compiled.errorsByFact().isEmpty() || compiled.elsewhere()) {
                    throw new ProbeUnavailableException("gcc could not compile the probe against the headers in "
                            + includeDir + ":\n" + compiled.stderr().strip());
                }
                List<String> rest = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    String error = compiled.errorsByFact().get(i);
                    if (error == null) {
                        rest.add(batch.get(i));
                    } else {
                        setAside.put(batch.get(i), error);
                    }
                }
                batch = rest;
            }
            for (Map.Entry<String, String> aside : setAside.entrySet()) {
                List<String> alone = List.of(aside.getKey());
                Compilation compiled = compile(work, CProbe.source(alone));
                if (compiled.ok()) {
                    runInto(work, alone, values, unevaluated);
                } else {
                    unevaluated.put(aside.getKey(), compiled.errorsByFact().getOrDefault(0, aside.getValue()));
                }
            }
        });
        Map<String, String> orderedValues = new LinkedHashMap<>();
        Map<String, String> orderedUnevaluated = new LinkedHashMap<>();
        for (String name : unique) {
            if (values.containsKey(name)) {
                orderedValues.put(name, values.get(name));
            } else {
                orderedUnevaluated.put(name, unevaluated.getOrDefault(name, "the probe printed no value"));
            }
        }
        return new ProbeResult(orderedValues, orderedUnevaluated);
    }

    /**
     * Compiles and runs a complete C program against the include directory and returns what it printed on stdout.
     * Any compile error, or a non-zero exit, is a {@link ProbeUnavailableException} carrying gcc's or the
     * program's stderr.
     */
    public String compileAndRun(String cSource) throws ProbeUnavailableException {
        String[] stdout = new String[1];
        inTempDir(work -> {
            requireAvailable(work);
            Compilation compiled = compile(work, cSource);
            if (!compiled.ok()) {
                throw new ProbeUnavailableException("gcc could not compile the program:\n" + compiled.stderr().strip());
            }
            stdout[0] = runProgram(work).stdout();
        });
        return stdout[0];
    }

    private record Run(int exitCode, String stdout, String stderr) {
    }

    /**
     * gcc's verdict: ok, or its stderr, the first error of each fact it names, and whether some error lies outside
     * the facts and {@code main} (in a header or the prelude: nothing a fact can be blamed for).
     */
    private record Compilation(boolean ok, String stderr, Map<Integer, String> errorsByFact, boolean elsewhere) {
    }

    private Compilation compile(Path work, String source) throws ProbeUnavailableException {
        Path c = work.resolve("probe.c");
        try {
            Files.writeString(c, source, StandardCharsets.UTF_8);
            Files.deleteIfExists(work.resolve("probe"));
        } catch (IOException e) {
            throw new ProbeUnavailableException("cannot write " + c + ": " + e, e);
        }
        List<String> command = new ArrayList<>();
        command.add(compiler);
        command.addAll(GCC_FLAGS);
        command.add("-I" + includeDir);
        command.addAll(List.of("-o", "probe", "probe.c"));
        Run run = exec(work, command, "gcc");
        if (run.exitCode() == 0 && Files.isRegularFile(work.resolve("probe"))) {
            return new Compilation(true, run.stderr(), Map.of(), false);
        }
        Map<Integer, String> errors = new LinkedHashMap<>();
        boolean elsewhere = false;
        for (String line : run.stderr().split("\n")) {
            Matcher error = ERROR.matcher(line);
            if (!error.matches()) {
                continue;
            }
            Matcher fact = FACT_FILE.matcher(error.group(1));
            if (fact.matches()) {
                errors.putIfAbsent(Integer.parseInt(fact.group(1)), error.group(2));
            } else if (!error.group(1).equals(CProbe.MAIN_FILE)) {
                // main only calls the fact functions: its errors follow from a broken fact before it.
                elsewhere = true;
            }
        }
        return new Compilation(false, run.stderr(), errors, elsewhere);
    }

    private Run runProgram(Path work) throws ProbeUnavailableException {
        Run run = exec(work, List.of(work.resolve("probe").toString()), "probe");
        if (run.exitCode() != 0) {
            throw new ProbeUnavailableException("the compiled probe exited with status " + run.exitCode() + ":\n"
                    + run.stderr().strip());
        }
        return run;
    }

    /** Runs the compiled probe for {@code batch}: its stdout gives values, its stderr reasons, one line a name. */
    private void runInto(Path work, List<String> batch, Map<String, String> values, Map<String, String> unevaluated)
            throws ProbeUnavailableException {
        Run run = runProgram(work);
        putLines(run.stdout(), batch, values);
        putLines(run.stderr(), batch, unevaluated);
    }

    private static void putLines(String output, List<String> names, Map<String, String> into) {
        Set<String> batch = Set.copyOf(names);
        for (String line : output.split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0 && batch.contains(line.substring(0, tab))) {
                into.putIfAbsent(line.substring(0, tab), line.substring(tab + 1));
            }
        }
    }

    private Run exec(Path work, List<String> command, String label) throws ProbeUnavailableException {
        Path out = work.resolve(label + ".stdout");
        Path err = work.resolve(label + ".stderr");
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("LC_ALL", "C"); // gcc's messages in ASCII English, so they can be parsed
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new ProbeUnavailableException(command.getFirst().equals(compiler)
                    ? "the C compiler '" + compiler + "' was not found or cannot be run: install gcc"
                    : "cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new ProbeUnavailableException(String.join(" ", command) + " did not finish within " + TIMEOUT);
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ProbeUnavailableException("interrupted while running " + command.getFirst(), e);
        } catch (IOException e) {
            throw new ProbeUnavailableException("cannot read the output of " + command.getFirst() + ": " + e, e);
        }
    }

    @FunctionalInterface
    private interface InDir {
        void run(Path work) throws ProbeUnavailableException;
    }

    private static void inTempDir(InDir body) throws ProbeUnavailableException {
        Path work;
        try {
            work = Files.createTempDirectory("xensim-abi-probe");
        } catch (IOException e) {
            throw new ProbeUnavailableException("cannot create a temporary directory for the probe: " + e, e);
        }
        try {
            body.run(work);
        } finally {
            deleteRecursively(work);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // A leftover file in the temporary directory is harmless; the probe's result stands.
        }
    }
}
