package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Dom0's loop devices ({@code /dev/loopN}, block major 7): what the {@code block} script's {@code losetup -f}
 * attaches an image file to, and what blkback opens by the {@code major:minor} the script wrote as
 * {@code physical-device}. Each attachment remembers the device ({@code vbd/<domid>/<devid>}) it was made for,
 * so that {@code offline} detaches it.
 *
 * <p><b>Threading:</b> synchronized: the hotplug script and blkback both run on dom0's executor, tests may look
 * from their own thread.
 *
 * <p><b>Reference:</b> tools/hotplug/Linux/block ({@code losetup -f}, {@code do_ebusy} checks) and Linux's loop
 * driver (major {@code LOOP_MAJOR} = 7, one minor per device).
 */
public final class LoopDevices {
    /** {@code LOOP_MAJOR}. */
    public static final int LOOP_MAJOR = 7;

    /** One attached loop device. */
    public record Loop(int minor, String owner, String backingFile, BlockImage image) {
        /** {@code /dev/loopN}: the script's {@code node} and {@code physical-device-path}. */
        public String node() {
            return "/dev/loop" + minor;
        }

        /** {@code printf "%x:%x" $major $minor}, as the block script's {@code write_dev} writes it. */
        public String physicalDevice() {
            return Integer.toHexString(LOOP_MAJOR) + ":" + Integer.toHexString(minor);
        }
    }

    private final Map<Integer, Loop> loops = new TreeMap<>();

    /** {@code losetup -f}: attaches {@code image} to the lowest free minor, for the device {@code owner}. */
    public synchronized Loop attach(String owner, String backingFile, BlockImage image) {
        int minor = 0;
        while (loops.containsKey(minor)) {
            minor++;
        }
        Loop loop = new Loop(minor, owner, backingFile, image);
        loops.put(minor, loop);
        return loop;
    }

    /** The loop device {@code major:minor}, if attached. */
    public synchronized Optional<Loop> find(int major, int minor) {
        return major == LOOP_MAJOR ? Optional.ofNullable(loops.get(minor)) : Optional.empty();
    }

    /** The loop device attached for {@code owner}, if any. */
    public synchronized Optional<Loop> ownedBy(String owner) {
        return loops.values().stream().filter(l -> l.owner().equals(owner)).findFirst();
    }

    /** {@code losetup -d}: detaches and closes the image of every loop device attached for {@code owner}. */
    public synchronized int detach(String owner) throws IOException {
        int detached = 0;
        IOException first = null;
        for (Loop loop : loops.values().stream().filter(l -> l.owner().equals(owner)).toList()) {
            loops.remove(loop.minor());
            detached++;
            try {
                loop.image().close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
        return detached;
    }

    /** Loop devices attached now. */
    public synchronized int attached() {
        return loops.size();
    }
}
