package io.xensim.testbed.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.blk.image.Qcow2Image;
import io.xensim.blk.image.RawImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigImagesTest {
    @TempDir
    Path dir;

    @Test
    void aRelativeTargetResolvesAgainstTheConfigsDirectoryAndAMissingImageIsCreatedSparse() throws IOException {
        var images = new ConfigImages();
        images.booting(dir.resolve("sub/guest.cfg"));
        try (var image = images.open("disk.img", true)) {
            assertThat(image.sectors()).isEqualTo(ConfigImages.DEFAULT_SECTORS);
        }
        Path file = dir.resolve("sub/disk.img");
        assertThat(Files.size(file)).isEqualTo(64L << 20);
        assertThat(images.drainLog()).singleElement().asString()
                .contains(file.toString(), "created it as a sparse raw image of 64 MiB");
        assertThat(images.drainLog()).isEmpty();
        assertThat(images.resolve("/abs/x.img")).isEqualTo(Path.of("/abs/x.img"));
    }

    @Test
    void anExistingImageIsOpenedAsItIs() throws IOException {
        RawImage.create(dir.resolve("small.img"), 16, RawImage.Allocation.SPARSE).close();
        var images = new ConfigImages();
        images.booting(dir.resolve("guest.cfg"));
        try (var image = images.open("small.img", true)) {
            assertThat(image.sectors()).isEqualTo(16);
        }
        assertThat(images.drainLog()).isEmpty();
    }

    @Test
    void aMissingReadOnlyImageIsNotCreated() {
        var images = new ConfigImages();
        images.booting(dir.resolve("guest.cfg"));
        assertThatThrownBy(() -> images.open("cd.iso", false)).isInstanceOf(IOException.class);
        assertThat(dir.resolve("cd.iso")).doesNotExist();
    }

    @Test
    void aQdiskParamsKeepsItsFormatAndResolvesItsPath() throws IOException {
        var images = new ConfigImages();
        images.booting(dir.resolve("sub/guest.cfg"));
        try (var image = images.open("aio:raw.img", true)) {
            assertThat(image.name()).isEqualTo(dir.resolve("sub/raw.img").toString());
        }
        assertThat(images.drainLog()).singleElement().asString().contains("created it as a sparse raw image");
        // A missing qcow2 image is created as qemu-img create -f qcow2 makes one, and opened as qcow2.
        try (var image = images.open("qcow2:disk.qcow2", true)) {
            assertThat(image.sectors()).isEqualTo(ConfigImages.DEFAULT_SECTORS);
        }
        try (var reopened = Qcow2Image.open(dir.resolve("sub/disk.qcow2"), RawImage.OpenMode.READ_ONLY)) {
            assertThat(reopened.version()).isEqualTo(3);
            assertThat(reopened.clusterSize()).isEqualTo(65536);
        }
        assertThat(images.drainLog()).singleElement().asString().contains("created it as a qcow2 image of 64 MiB");
        assertThatThrownBy(() -> images.open("vhd:disk.vhd", true)).isInstanceOf(IOException.class)
                .hasMessageContaining("image format 'vhd' is not supported");
    }
}
