package io.xensim.xenbus.bus;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.store.wire.XsValues;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Reads keys of one xenstore directory as a driver goes: the other end's directory in a connect step (what it
 * read decides what it reads next: {@code ring-page-order} decides {@code ring-ref} or {@code ring-ref0..N},
 * {@code multi-queue-num-queues} decides top-level keys or {@code queue-N/...}), or the driver's own. Every read is
 * one {@code XS_READ}, asynchronous; numbers go through {@link XsValues}, the one parser of xenstore numbers.
 *
 * <p>Two kinds of read, as in Linux:
 * <ul>
 *   <li>required keys ({@link #readRequired}, {@link #readU32}): a missing key fails the future with a
 *       {@link XenbusDeviceException} of {@code ENOENT}, a malformed one with {@code EINVAL}, both naming the full
 *       path; the device templates turn it into {@code xenbus_dev_fatal} ({@code xenbus_scanf} and the error path
 *       of its callers);</li>
 *   <li>optional keys with a default ({@link #readUnsigned}, {@link #readFeature}): a missing or malformed value
 *       gives the default, as {@code xenbus_read_unsigned()} does.</li>
 * </ul>
 *
 * <p><b>Threading:</b> futures complete on the reading domain's executor (that of its xenstore client); the reader
 * itself is immutable and may be handed to protocol code ({@code NetbackFeatures.read(reader)}).
 *
 * <p><b>Reference:</b> Linux drivers/xen/xenbus/xenbus_xs.c ({@code xenbus_read}, {@code xenbus_scanf},
 * {@code xenbus_read_unsigned}); blkfront's {@code talk_to_blkback} and netfront's {@code talk_to_netback}.
 */
public interface XenstoreReader {
    /** The directory read, without a trailing slash. */
    String dir();

    /** {@code XS_READ} of {@code dir()/key}; empty if the node does not exist (or may not be read). */
    CompletableFuture<Optional<String>> read(String key);

    /** A reader of the sub-directory {@code subdir} of this one. */
    XenstoreReader under(String subdir);

    /** A reader of {@code queue-N/}, where a multi-queue device writes its per-queue keys. */
    default XenstoreReader queue(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
        }
        return under("queue-" + n);
    }

    /** The full path of {@code key}. */
    default String path(String key) {
        return dir() + "/" + key;
    }

    /** A key that must be there; missing fails with {@code ENOENT}. */
    default CompletableFuture<String> readRequired(String key) {
        return read(key).thenApply(value -> value.orElseThrow(
                () -> new XenbusDeviceException(XenErrno.XEN_ENOENT, "missing key " + path(key))));
    }

    /** A required unsigned 32-bit decimal (a grant ref, a port): missing is {@code ENOENT}, malformed {@code EINVAL}. */
    default CompletableFuture<Integer> readU32(String key) {
        return readRequired(key).thenApply(value -> switch (XsValues.parseU32(value)) {
            case Decoded.Ok<Integer>(Integer v) -> v;
            case Decoded.Malformed<Integer>(String reason) ->
                    throw new XenbusDeviceException(XenErrno.XEN_EINVAL, "reading " + path(key) + ": " + reason);
        });
    }

    /**
     * {@code xenbus_read_unsigned(dir, key, default)}: an unsigned decimal up to 2^32 - 1; {@code defaultValue} if
     * the key is missing or malformed.
     */
    default CompletableFuture<Long> readUnsigned(String key, long defaultValue) {
        return read(key).thenApply(value -> value.map(v -> XsValues.parseUnsigned(v, XsValues.U32_MAX))
                .filter(Decoded::isOk).map(Decoded::orElseThrow).orElse(defaultValue));
    }

    /** A boolean feature ({@code feature-*}, {@code request-*}): true when it reads as a non-zero unsigned. */
    default CompletableFuture<Boolean> readFeature(String key) {
        return readUnsigned(key, 0).thenApply(v -> v != 0);
    }

    /**
     * A reader of {@code dir} whose reads are {@code readPath(fullPath)}: over a device's xenstore client
     * ({@link XenbusDevice#otherend()}), or over a map in a test of a protocol's feature record.
     */
    static XenstoreReader over(String dir, Function<String, CompletableFuture<Optional<String>>> readPath) {
        return new PathReader(dir, readPath);
    }

    /** {@link #over}'s implementation. */
    record PathReader(String dir, Function<String, CompletableFuture<Optional<String>>> readPath)
            implements XenstoreReader {
        public PathReader {
            Objects.requireNonNull(dir, "dir");
            Objects.requireNonNull(readPath, "readPath");
            if (dir.endsWith("/")) {
                throw new IllegalArgumentException("dir: " + dir + " (expected: no trailing slash)");
            }
        }

        @Override
        public CompletableFuture<Optional<String>> read(String key) {
            return readPath.apply(path(key));
        }

        @Override
        public XenstoreReader under(String subdir) {
            return new PathReader(path(subdir), readPath);
        }
    }
}
