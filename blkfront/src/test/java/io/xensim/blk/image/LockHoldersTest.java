package io.xensim.blk.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading {@code /proc/locks} and fdinfo {@code lock:} lines (Linux's format, fs/locks.c lock_get_status). */
class LockHoldersTest {
    private static final ImageLock.FileKey FILE = new ImageLock.FileKey(0xfe00, 2146435);   // fe:00, inode 2146435

    @Test
    void aPosixLockCoveringTheByteNamesItsPid() {
        assertThat(LockHolders.holderIn("3: POSIX  ADVISORY  WRITE 4242 fe:00:2146435 0 EOF", FILE, 101)).isEqualTo(4242);
        assertThat(LockHolders.holderIn("3: FLOCK  ADVISORY  WRITE 77 fe:00:2146435 0 EOF", FILE, 101)).isEqualTo(77);
    }

    @Test
    void anOfdLockShowsMinusOne() {
        assertThat(LockHolders.holderIn("1: OFDLCK ADVISORY  WRITE -1 fe:00:2146435 101 101", FILE, 101)).isEqualTo(-1);
        assertThat(LockHolders.holderIn("\t1: OFDLCK ADVISORY  READ -1 fe:00:2146435 100 101", FILE, 101)).isEqualTo(-1);
    }

    @Test
    void otherFilesRangesAndWaitersHoldNothing() {
        assertThat(LockHolders.holderIn("1: OFDLCK ADVISORY  WRITE -1 fe:00:2146436 101 101", FILE, 101)).isZero();
        assertThat(LockHolders.holderIn("1: OFDLCK ADVISORY  WRITE -1 fe:01:2146435 101 101", FILE, 101)).isZero();
        assertThat(LockHolders.holderIn("1: POSIX  ADVISORY  WRITE 9 fe:00:2146435 200 201", FILE, 101)).isZero();
        assertThat(LockHolders.holderIn("1: -> POSIX  ADVISORY  WRITE 9 fe:00:2146435 0 EOF", FILE, 101)).isZero();
        assertThat(LockHolders.holderIn("garbage", FILE, 101)).isZero();
    }

    @Test
    void largeDeviceNumbersSplitAsGlibcDoes() {
        // major 259 (0x103), minor 0x12345: dev_t = (minor & 0xff) | (major & 0xfff) << 8 | (minor & ~0xff) << 12
        long dev = 0x45L | (0x103L << 8) | (0x12300L << 12);
        var file = new ImageLock.FileKey(dev, 12);
        assertThat(LockHolders.holderIn("1: POSIX  ADVISORY  WRITE 5 103:12345:12 0 EOF", file, 101)).isEqualTo(5);
    }
}
