package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsType;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every request type against a small store, as a table of (domid, tx, request, expected reply). Each row runs on a
 * fresh xenstored holding:
 * <pre>
 *   /a = "hello"           n0 (inherited from /)
 *   /a/b                   n0
 *   /local/domain/1        n1       (dom1's home, owned by dom1)
 *   /local/domain/1/name = "guest1"
 *   /local/domain/2        n2
 *   /shared = "x"          n0 r1    (dom1 may read)
 *   /public                r0       (everyone may read)
 *   /writable              b0       (everyone may read and write)
 * </pre>
 * Expected replies are the payload with NULs shown as {@code |}, or {@code ERR <NAME>}. The errors are the ones C
 * xenstored 4.17 picks (see {@link Xenstored}'s reference notes).
 */
class XenstoredRequestTableTest {
    private final ManualExecutor executor = new ManualExecutor();
    private Xenstored xs;
    private Peer dom0;
    private Peer dom1;
    private Peer dom2;

    @BeforeEach
    void setUp() {
        xs = new Xenstored(executor);
        dom0 = Peer.connect(xs, executor, ConnectionInfo.dom0("tools"));
        dom1 = Peer.connect(xs, executor, ConnectionInfo.domain(1, "guest1"));
        dom2 = Peer.connect(xs, executor, ConnectionInfo.domain(2, "guest2"));
        assertThat(dom0.write("/a", "hello")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_MKDIR, 0, "/a/b")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/1")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/1", "n1")).isEqualTo("OK|");
        assertThat(dom0.write("/local/domain/1/name", "guest1")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/2")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/2", "n2")).isEqualTo("OK|");
        assertThat(dom0.write("/shared", "x")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/shared", "n0", "r1")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_MKDIR, 0, "/public")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/public", "r0")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_MKDIR, 0, "/writable")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/writable", "b0")).isEqualTo("OK|");
        dom0.clear();
    }

    static Arguments row(int domid, int tx, Object type, String expected, String... args) {
        return Arguments.of(domid, tx, type, args, expected);
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                // READ: ENOENT only where the nearest existing ancestor is readable, else EACCES.
                row(0, 0, XsType.XS_READ, "hello", "/a"),
                row(0, 0, XsType.XS_READ, "", "/a/b"),
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "/nope"),
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "/nope/deeper/still"),
                row(1, 0, XsType.XS_READ, "ERR EACCES", "/a"),
                row(1, 0, XsType.XS_READ, "ERR EACCES", "/a/nope"),
                row(1, 0, XsType.XS_READ, "guest1", "/local/domain/1/name"),
                row(1, 0, XsType.XS_READ, "guest1", "name"),
                row(1, 0, XsType.XS_READ, "ERR ENOENT", "/local/domain/1/missing"),
                row(1, 0, XsType.XS_READ, "ERR ENOENT", "missing/deeper"),
                row(1, 0, XsType.XS_READ, "ERR EACCES", "/local/domain/2"),
                row(1, 0, XsType.XS_READ, "ERR EACCES", "/local/domain/2/x"),
                row(1, 0, XsType.XS_READ, "x", "/shared"),
                row(2, 0, XsType.XS_READ, "ERR EACCES", "/shared"),
                row(1, 0, XsType.XS_READ, "ERR ENOENT", "/public/nope"),
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "relative"),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/a/"),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "//a"),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/a b"),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/a\u00e9"),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", ""),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "@releaseDomain"),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/a", "extra"),
                // Path length (C is_valid_nodename()): at most XENSTORE_REL_PATH_MAX (2048) bytes after a leading
                // /local/domain/<up to 5 digits, as %5u>/, for every connection and for paths anywhere in the tree.
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "/" + "x".repeat(2047)),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/" + "x".repeat(2048)),
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "/local/domain/1/" + "y".repeat(2048)),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/local/domain/1/" + "y".repeat(2049)),
                row(1, 0, XsType.XS_READ, "ERR ENOENT", "y".repeat(2048)),
                row(1, 0, XsType.XS_READ, "ERR EINVAL", "y".repeat(2049)),
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "/local/domain/12345/" + "y".repeat(2048)),
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "/local/domain/-1/" + "y".repeat(2048)),
                row(0, 0, XsType.XS_READ, "ERR ENOENT", "/local/domain/123456/" + "y".repeat(2048 - 21)),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/local/domain/123456/" + "y".repeat(2048 - 20)),
                row(0, 0, XsType.XS_READ, "ERR EINVAL", "/local/domain/" + "y".repeat(2048)),
                row(0, 0, XsType.XS_WRITE, "ERR EINVAL", "/" + "x".repeat(2048), "v"),
                row(0, 0, XsType.XS_MKDIR, "ERR EINVAL", "/" + "x".repeat(2048)),
                row(0, 0, XsType.XS_RM, "ERR EINVAL", "/" + "x".repeat(2048)),
                row(0, 0, XsType.XS_GET_PERMS, "ERR EINVAL", "/" + "x".repeat(2048)),
                row(0, 0, XsType.XS_WATCH, "OK|", "/" + "x".repeat(2047), "tok"),
                row(0, 0, XsType.XS_WATCH, "ERR EINVAL", "/" + "x".repeat(2048), "tok"),
                row(1, 0, XsType.XS_WATCH, "ERR EINVAL", "y".repeat(2049), "tok"),
                // DIRECTORY
                row(0, 0, XsType.XS_DIRECTORY, "b|", "/a"),
                row(0, 0, XsType.XS_DIRECTORY, "", "/a/b"),
                row(0, 0, XsType.XS_DIRECTORY, "tool|a|local|shared|public|writable|", "/"),
                row(1, 0, XsType.XS_DIRECTORY, "ERR EACCES", "/"),
                row(1, 0, XsType.XS_DIRECTORY, "name|", "/local/domain/1"),
                row(0, 0, XsType.XS_DIRECTORY, "ERR ENOENT", "/nope"),
                // GET_PERMS
                row(0, 0, XsType.XS_GET_PERMS, "n0|r1|", "/shared"),
                row(1, 0, XsType.XS_GET_PERMS, "n1|", "name"),
                row(2, 0, XsType.XS_GET_PERMS, "ERR EACCES", "/local/domain/1/name"),
                row(0, 0, XsType.XS_GET_PERMS, "ERR EINVAL", "@releaseDomain"),
                // WRITE
                row(1, 0, XsType.XS_WRITE, "ERR EACCES", "/shared", "y"),
                row(1, 0, XsType.XS_WRITE, "ERR EACCES", "/public/x", "y"),
                row(1, 0, XsType.XS_WRITE, "OK|", "/writable/x/y", "z"),
                row(1, 0, XsType.XS_WRITE, "OK|", "newkey", "v"),
                row(2, 0, XsType.XS_WRITE, "ERR EACCES", "/local/domain/1/x", "v"),
                row(0, 0, XsType.XS_WRITE, "ERR EINVAL", "/bad path", "v"),
                // MKDIR
                row(0, 0, XsType.XS_MKDIR, "OK|", "/a"),
                row(0, 0, XsType.XS_MKDIR, "OK|", "/x/y/z"),
                row(1, 0, XsType.XS_MKDIR, "ERR EACCES", "/a"),
                row(1, 0, XsType.XS_MKDIR, "ERR EACCES", "/a/c"),
                row(1, 0, XsType.XS_MKDIR, "OK|", "dev/vif"),
                row(0, 0, XsType.XS_MKDIR, "ERR EINVAL", "/trailing/"),
                // RM
                row(0, 0, XsType.XS_RM, "OK|", "/a"),
                row(0, 0, XsType.XS_RM, "OK|", "/nope"),
                row(0, 0, XsType.XS_RM, "ERR ENOENT", "/nope/deeper"),
                row(0, 0, XsType.XS_RM, "ERR EINVAL", "/"),
                row(1, 0, XsType.XS_RM, "ERR EACCES", "/a"),
                row(1, 0, XsType.XS_RM, "ERR EACCES", "/a/nope"),
                row(1, 0, XsType.XS_RM, "OK|", "name"),
                row(1, 0, XsType.XS_RM, "OK|", "/local/domain/1/nope"),
                // SET_PERMS
                row(0, 0, XsType.XS_SET_PERMS, "OK|", "/a", "n0", "r1"),
                row(0, 0, XsType.XS_SET_PERMS, "OK|", "/a", "n0", "b0x10"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR ENOENT", "/a", "b0x10"),   // owner dom16 does not exist
                row(1, 0, XsType.XS_SET_PERMS, "ERR EPERM", "name", "n2"),
                row(1, 0, XsType.XS_SET_PERMS, "OK|", "name", "n1", "r2"),
                row(1, 0, XsType.XS_SET_PERMS, "ERR EACCES", "/shared", "n0"),
                row(1, 0, XsType.XS_SET_PERMS, "ERR ENOSPC", "name", "n1", "r2", "r3", "r4", "r5", "r6"),
                row(0, 0, XsType.XS_SET_PERMS, "OK|", "/a", "n1", "r2", "r3", "r4", "r5", "r6"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR EINVAL", "/a"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR EINVAL", "/a", "x0"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR EINVAL", "/a", "r"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR EINVAL", "/a", "r1z"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR ENOENT", "/nope", "n0"),
                row(0, 0, XsType.XS_SET_PERMS, "OK|", "@releaseDomain", "n0", "r1"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR EINVAL", "@other", "n0"),
                row(1, 0, XsType.XS_SET_PERMS, "ERR EACCES", "@introduceDomain", "n1"),
                // SET_PERMS: the owner must be a domain that exists (domain 7 does not); other entries need not.
                // C checks this right after parsing, before the path (do_set_perms(), domain_alloc_permrefs()).
                row(0, 0, XsType.XS_SET_PERMS, "ERR ENOENT", "/a", "n7"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR ENOENT", "/a", "r7", "r1"),
                row(0, 0, XsType.XS_SET_PERMS, "OK|", "/a", "n0", "r7"),
                row(0, 0, XsType.XS_SET_PERMS, "OK|", "/a", "n2"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR ENOENT", "/a/", "n7"),
                row(0, 0, XsType.XS_SET_PERMS, "ERR ENOENT", "@releaseDomain", "n7"),
                row(1, 0, XsType.XS_SET_PERMS, "ERR ENOENT", "name", "n7"),
                // WATCH / UNWATCH (tx_id ignored)
                row(0, 0, XsType.XS_WATCH, "OK|", "/a", "tok"),
                row(0, 77, XsType.XS_WATCH, "OK|", "/a", "tok"),
                row(1, 0, XsType.XS_WATCH, "OK|", "/a", "tok"),
                row(0, 0, XsType.XS_WATCH, "ERR EINVAL", "/a"),
                row(0, 0, XsType.XS_WATCH, "ERR EINVAL", "/a", "tok", "1"),
                row(0, 0, XsType.XS_WATCH, "ERR EINVAL", "/a//b", "tok"),
                row(0, 0, XsType.XS_WATCH, "OK|", "@introduceDomain", "tok"),
                row(0, 0, XsType.XS_UNWATCH, "ERR ENOENT", "/a", "tok"),
                row(0, 0, XsType.XS_UNWATCH, "ERR EINVAL", "/a"),
                row(0, 77, XsType.XS_UNWATCH, "ERR ENOENT", "/a", "tok"),
                // Transactions
                row(0, 0, XsType.XS_TRANSACTION_END, "ERR ENOENT", "T"),
                row(0, 0, XsType.XS_TRANSACTION_END, "ERR EINVAL", "X"),
                row(0, 0, XsType.XS_TRANSACTION_END, "ERR EINVAL", "T", "F"),
                row(0, 77, XsType.XS_READ, "ERR ENOENT", "/a"),
                row(0, 77, XsType.XS_TRANSACTION_START, "ERR ENOENT", ""),
                row(0, 0, XsType.XS_TRANSACTION_START, "1|", ""),
                row(1, 0, XsType.XS_TRANSACTION_START, "1|", ""),
                // Domains
                row(0, 0, XsType.XS_GET_DOMAIN_PATH, "/local/domain/7|", "7"),
                row(1, 0, XsType.XS_GET_DOMAIN_PATH, "/local/domain/7|", "7"),
                row(0, 0, XsType.XS_GET_DOMAIN_PATH, "/local/domain/0|", "junk"),
                row(0, 0, XsType.XS_GET_DOMAIN_PATH, "/local/domain/4294967295|", "-1"),
                row(0, 0, XsType.XS_GET_DOMAIN_PATH, "ERR EINVAL", "7", "8"),
                row(0, 0, XsType.XS_IS_DOMAIN_INTRODUCED, "T|", "0"),
                row(0, 0, XsType.XS_IS_DOMAIN_INTRODUCED, "F|", "5"),
                row(0, 0, XsType.XS_IS_DOMAIN_INTRODUCED, "T|", "32752"),
                row(1, 0, XsType.XS_IS_DOMAIN_INTRODUCED, "ERR EACCES", "0"),
                row(0, 0, XsType.XS_INTRODUCE, "OK|", "5", "1234", "3"),
                row(0, 0, XsType.XS_INTRODUCE, "ERR EINVAL", "5", "1234", "0"),
                row(0, 0, XsType.XS_INTRODUCE, "ERR EINVAL", "5", "1234"),
                row(1, 0, XsType.XS_INTRODUCE, "ERR EACCES", "5", "1234", "3"),
                row(0, 0, XsType.XS_RELEASE, "ERR EINVAL", "0"),
                row(0, 0, XsType.XS_RELEASE, "ERR ENOENT", "9"),
                row(1, 0, XsType.XS_RELEASE, "ERR EACCES", "9"),
                row(0, 0, XsType.XS_RESUME, "ERR ENOENT", "9"),
                row(0, 0, XsType.XS_RESUME, "ERR EINVAL", "0"),
                row(1, 0, XsType.XS_RESUME, "ERR EACCES", "9"),
                row(0, 0, XsType.XS_SET_TARGET, "ERR ENOENT", "1", "9"),
                row(0, 0, XsType.XS_SET_TARGET, "ERR EINVAL", "1"),
                row(1, 0, XsType.XS_SET_TARGET, "ERR EACCES", "1", "2"),
                row(0, 0, XsType.XS_RESET_WATCHES, "OK|", ""),
                row(1, 0, XsType.XS_RESET_WATCHES, "OK|", ""),
                // CONTROL
                row(0, 0, XsType.XS_CONTROL, "OK|", "check"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "check", "extra"),
                row(0, 0, XsType.XS_CONTROL, "OK|", "log", "on"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "log", "maybe"),
                row(0, 0, XsType.XS_CONTROL, "OK|", "print", "hello"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "memreport"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "nonsense"),
                row(0, 0, XsType.XS_CONTROL, "OK|", "quota", "set", "nodes", "50"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "quota", "set", "nodes", "0"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "quota", "set", "bogus", "5"),
                row(0, 0, XsType.XS_CONTROL, "ERR ENOENT", "quota", "999"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "quota-soft", "1"),
                row(0, 0, XsType.XS_CONTROL, "ERR EINVAL", "help", "x"),
                row(1, 0, XsType.XS_CONTROL, "ERR EACCES", "check"),
                // Types without a handler.
                row(0, 0, 20, "ERR ENOSYS", "/a"),
                row(0, 0, XsType.XS_WATCH_EVENT.code(), "ERR ENOSYS", "/a", "t"),
                row(0, 0, XsType.XS_ERROR.code(), "ERR ENOSYS", "EINVAL"),
                row(0, 0, 23, "ERR ENOSYS", ""),
                row(0, 0, 0xffff, "ERR ENOSYS", ""),
                row(0, 0, -1, "ERR ENOSYS", ""),
                row(1, 77, 99, "ERR ENOSYS", ""));
    }

    @ParameterizedTest(name = "[{index}] dom{0} tx{1} {2} {3} -> {4}")
    @MethodSource("rows")
    void answersAsCXenstored(int domid, int tx, Object type, String[] args, String expected) {
        Peer peer = switch (domid) {
            case 0 -> dom0;
            case 1 -> dom1;
            case 2 -> dom2;
            default -> throw new AssertionError(domid);
        };
        int code = type instanceof XsType t ? t.code() : (Integer) type;
        String actual;
        if (code == XsType.XS_WRITE.code()) {
            actual = args.length == 2 ? peer.write(tx, args[0], args[1]) : "bad row";
        } else {
            actual = Peer.render(peer.call(code, tx, io.xensim.xenbus.store.wire.XsPayloads.strings(args)));
        }
        assertThat(actual).isEqualTo(expected);
    }
}
