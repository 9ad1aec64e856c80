package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The names blkfront gives its disks, as Linux 6.1's {@code xlvbd_alloc_gendisk} + {@code xen_translate_vdev}. */
class BlkfrontDiskNameTest {
    @ParameterizedTest(name = "vdev {0} is {1}")
    @CsvSource({
            "51712, xvda", "51713, xvda1", "51728, xvdb", "51952, xvdp",
            // hd: 64 minors a disk on majors 3 and 22; the partition is dropped
            "768, xvda", "832, xvdb", "833, xvdb", "5632, xvdc", "5696, xvdd",
            // sd: the same names, the partition kept (EMULATED_SD_DISK_NAME_OFFSET 0)
            "2048, xvda", "2049, xvda1", "2064, xvdb", "16640, xvdq",
            // extended: 256 minors a disk
            "268442112, xvdaa", "268442371, xvdab3", "268435456, xvda"})
    void followsLinuxNaming(int vdev, String name) {
        assertThat(BlkfrontDevice.diskName(vdev)).isEqualTo(name);
    }
}
