package io.xensim.xenbus.store.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Payload helpers: NUL-separated strings as {@code misc/xenstore.txt} writes them ({@code <path>|<token>|}).
 *
 * <p>Strings here are byte strings: each {@code char} holds one payload byte (ISO-8859-1), so any payload a peer
 * sends survives a split and a re-encode unchanged. Paths are ASCII anyway; callers that want UTF-8 values convert
 * at their own API (the client does).
 */
public final class XsPayloads {
    /** {@code XS_WRITE_NONE}: legacy write-mode string of xs_wire.h (no current request payload uses it). */
    public static final String XS_WRITE_NONE = "NONE";
    /** {@code XS_WRITE_CREATE}. */
    public static final String XS_WRITE_CREATE = "CREATE";
    /** {@code XS_WRITE_CREATE_EXCL}. */
    public static final String XS_WRITE_CREATE_EXCL = "CREATE|EXCL";

    /** The payload of every success reply without a specified payload: {@code "OK\0"}. */
    private static final byte[] OK = {'O', 'K', 0};

    private XsPayloads() {
    }

    /** {@code OK\0}. A new array each time: callers own what they get. */
    public static byte[] ok() {
        return OK.clone();
    }

    /** {@code E<NAME>\0} for an {@code XS_ERROR} reply. */
    public static byte[] error(XsError error) {
        return error.payload();
    }

    /** Each string followed by one NUL: {@code strings("/a", "tok")} is {@code "/a\0tok\0"}. */
    public static byte[] strings(String... strings) {
        var out = new ByteArrayOutputStream();
        for (String s : strings) {
            out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** One string and a NUL, then raw bytes (the {@code XS_WRITE} payload: {@code <path>|<value|>}). */
    public static byte[] stringThenBytes(String first, byte[] rest) {
        byte[] head = first.getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = new byte[head.length + 1 + rest.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(rest, 0, out, head.length + 1, rest.length);
        return out;
    }

    /**
     * The NUL-terminated strings of a payload, in order; bytes after the last NUL are not a string and are dropped
     * (C xenstored's {@code get_strings()}: "callers who rely only on vec[] will ignore any data after the final
     * nul").
     */
    public static List<String> split(byte[] payload) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                out.add(new String(payload, start, i - start, StandardCharsets.ISO_8859_1));
                start = i + 1;
            }
        }
        return out;
    }

    /** The number of NUL bytes, which is what C's {@code xs_count_strings()} counts. */
    public static int countStrings(byte[] payload) {
        int n = 0;
        for (byte b : payload) {
            if (b == 0) {
                n++;
            }
        }
        return n;
    }

    /**
     * The single argument of a payload that must be exactly one string with its NUL at the very end, or null
     * (C {@code onearg()}: "the payload must contain exactly one nul, at the end").
     */
    public static String oneArg(byte[] payload) {
        if (payload.length == 0) {
            return null;
        }
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                return i == payload.length - 1
                        ? new String(payload, 0, i, StandardCharsets.ISO_8859_1) : null;
            }
        }
        return null;
    }

    /** A byte string as text (ISO-8859-1), e.g. a value read back. */
    public static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** Text as a byte string (ISO-8859-1). */
    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
