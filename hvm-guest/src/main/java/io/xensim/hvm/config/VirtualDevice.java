package io.xensim.hvm.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guest-visible disk names of xen-vbd-interface(7) and their {@code virtual-device} numbers: {@code xvd*}
 * (major 202, 16 partitions per disk; disks from {@code xvdq} on, or partitions above 15, use the extended form
 * {@code 1<<28 | disk<<8 | partition}), {@code hd[a-d]} (majors 3 and 22, 64 partitions), {@code sd*} (major 8),
 * {@code d<disk>[p<partition>]}, and a plain number.
 *
 * <p><b>Reference:</b> xen tools/libs/light/libxl_device.c {@code libxl__device_disk_dev_number()}.
 */
public final class VirtualDevice {
    private VirtualDevice() {
    }

    private static final Pattern LETTERS = Pattern.compile("(xvd|hd|sd)([a-z]+)([0-9]*)");
    private static final Pattern D_P = Pattern.compile("d([0-9]+)(?:p([0-9]+))?");

    public static Optional<Integer> number(String vdev) {
        if (vdev.matches("[0-9]+")) {
            return vdev.length() > 9 ? Optional.empty() : Optional.of(Integer.parseInt(vdev));
        }
        Matcher d = D_P.matcher(vdev);
        if (d.matches()) {
            if (d.group(1).length() > 6 || (d.group(2) != null && d.group(2).length() > 6)) {
                return Optional.empty();
            }
            return xvd(Integer.parseInt(d.group(1)), d.group(2) == null ? 0 : Integer.parseInt(d.group(2)));
        }
        Matcher m = LETTERS.matcher(vdev);
        if (!m.matches() || m.group(2).length() > 4 || m.group(3).length() > 6) {
            return Optional.empty();
        }
        int disk = 0;
        for (char c : m.group(2).toCharArray()) {
            disk = disk * 26 + (c - 'a' + 1);
        }
        disk -= 1;
        String digits = m.group(3);
        if (digits.startsWith("0")) {
            return Optional.empty();
        }
        int partition = digits.isEmpty() ? 0 : Integer.parseInt(digits);
        return switch (m.group(1)) {
            case "xvd" -> xvd(disk, partition);
            case "hd" -> disk < 4 && partition < 64
                    ? Optional.of(((disk < 2 ? 3 : 22) << 8) | ((disk & 1) << 6) | partition) : Optional.empty();
            case "sd" -> disk < 16 && partition < 16
                    ? Optional.of((8 << 8) | (disk << 4) | partition) : Optional.empty();
            default -> throw new AssertionError(m.group(1));
        };
    }

    private static Optional<Integer> xvd(int disk, int partition) {
        if (disk < 16 && partition < 16) {
            return Optional.of((202 << 8) | (disk << 4) | partition);
        }
        if (disk < (1 << 20) && partition < 256) {
            return Optional.of((1 << 28) | (disk << 8) | partition);
        }
        return Optional.empty();
    }
}
