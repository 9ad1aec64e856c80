package io.xensim.hvm.ide;

import static io.xensim.hvm.ide.Ata.*;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.MemoryImage;
import io.xensim.hvm.platform.IoPortBus;
import java.util.HashMap;
import java.util.Map;

/** An I/O-port bus with an IDE controller over in-memory images, and raw register access to the primary channel. */
final class IdeRig implements AutoCloseable {
    static final int CMD = IdeController.PRIMARY_COMMAND_PORT;
    static final int CTL = IdeController.PRIMARY_CONTROL_PORT;

    final IoPortBus bus = new IoPortBus();
    final Map<Integer, BlockImage> images;
    final IdeController controller;

    IdeRig(Map<Integer, IdeDrive> drives) {
        images = new HashMap<>();
        drives.forEach((i, d) -> images.put(i, d.image()));
        controller = IdeController.install(bus, drives);
    }

    /** hda: a writable disk of {@code sectors}. */
    static IdeRig disk(long sectors) {
        return new IdeRig(Map.of(0, IdeDrive.disk(MemoryImage.create("hda", sectors), 0)));
    }

    MemoryImage image(int index) {
        return (MemoryImage) images.get(index);
    }

    int in(int reg) {
        return bus.in(CMD + reg, 1);
    }

    void out(int reg, int value) {
        bus.out(CMD + reg, 1, value);
    }

    int status() {
        return in(ATA_REG_STATUS);
    }

    int altStatus() {
        return bus.in(CTL, 1);
    }

    void control(int value) {
        bus.out(CTL, 1, value);
    }

    int word() {
        return bus.in(CMD, 2);
    }

    void word(int value) {
        bus.out(CMD, 2, value);
    }

    /** LBA28 task file for {@code position} and a command. */
    void command(int position, long lba, int count, int cmd) {
        out(ATA_REG_DEVICE, ATA_DEVICE_OBS | ATA_LBA | (position == 1 ? ATA_DEV1 : 0) | (int) (lba >>> 24) & 0xf);
        out(ATA_REG_NSECT, count & 0xff);
        out(ATA_REG_LBAL, (int) lba & 0xff);
        out(ATA_REG_LBAM, (int) (lba >>> 8) & 0xff);
        out(ATA_REG_LBAH, (int) (lba >>> 16) & 0xff);
        out(ATA_REG_CMD, cmd);
    }

    byte[] readBlock(int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i += 2) {
            int w = word();
            b[i] = (byte) w;
            b[i + 1] = (byte) (w >>> 8);
        }
        return b;
    }

    void writeBlock(byte[] b) {
        for (int i = 0; i < b.length; i += 2) {
            word((b[i] & 0xff) | (b[i + 1] & 0xff) << 8);
        }
    }

    long injections() {
        return controller.channel(0).irq().injections();
    }

    @Override
    public void close() {
        images.values().forEach(i -> {
            try {
                i.close();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
