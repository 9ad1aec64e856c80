package io.xensim.hvm.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.blk.image.MemoryImage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedImagesTest {
    final List<MemoryImage> opened = new ArrayList<>();
    final SharedImages images = new SharedImages((params, writable) -> {
        var image = writable ? MemoryImage.create(params, 16) : MemoryImage.createReadOnly(params, 16);
        opened.add(image);
        return image;
    });

    @Test
    void twoUsersSeeOneImageWhichClosesWithTheLast() throws IOException {
        var blkback = images.open("/srv/a.img", true);
        var qemu = images.open("/srv/a.img", true);
        assertThat(opened).hasSize(1);
        try (Arena arena = Arena.ofConfined()) {
            var sector = arena.allocate(512);
            sector.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
            qemu.write(0, sector);
            var back = arena.allocate(512);
            blkback.read(0, back);
            assertThat(back.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 42);
        }
        qemu.close();
        qemu.close();
        assertThat(images.users()).containsEntry("/srv/a.img", 1);
        blkback.close();
        assertThat(images.users()).isEmpty();
        assertThat(images.open("/srv/a.img", false)).isNotNull();
        assertThat(opened).hasSize(2);
    }

    @Test
    void aReadOnlyImageRefusesALaterWriter() throws IOException {
        var reader = images.open("/srv/ro.img", false);
        assertThatThrownBy(() -> images.open("/srv/ro.img", true)).isInstanceOf(IOException.class)
                .hasMessageContaining("read-only");
        var view = images.open("/srv/ro.img", false);
        assertThat(view.writable()).isFalse();
        view.close();
        reader.close();
    }
}
