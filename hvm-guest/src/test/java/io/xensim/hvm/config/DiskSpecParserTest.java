package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DiskSpecParserTest {
    private static final String FILE = "guest.cfg";

    private static DiskSpec ok(String spec) {
        Decoded<DiskSpec> d = DiskSpecParser.parse(FILE, spec);
        assertThat(d).isInstanceOf(Decoded.Ok.class);
        return d.orElseThrow();
    }

    private static String error(String spec) {
        Decoded<DiskSpec> d = DiskSpecParser.parse(FILE, spec);
        assertThat(d).isInstanceOf(Decoded.Malformed.class);
        return ((Decoded.Malformed<DiskSpec>) d).reason();
    }

    private static final DiskSpec VOLUME = new DiskSpec(Optional.of("/dev/vg/guest-volume"), DiskFormat.RAW, "hda",
            true, false, Optional.empty(), Optional.empty(), Optional.empty());
    private static final DiskSpec ISO = new DiskSpec(Optional.of("/root/image.iso"), DiskFormat.RAW, "hdc", false,
            true, Optional.empty(), Optional.empty(), Optional.empty());

    /** The equivalent spellings of xl-disk-configuration(5). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "/dev/vg/guest-volume,,hda",
            "/dev/vg/guest-volume,raw,hda,rw",
            "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
            "raw:/dev/vg/guest-volume,hda,w",
            "phy:/dev/vg/guest-volume,hda,w",
            "file:/dev/vg/guest-volume,hda,w",
            "tap:aio:/dev/vg/guest-volume,hda,w",
            "vdev=hda,/dev/vg/guest-volume",
    })
    void theDocumentedSpellingsOfOneDisk(String spec) {
        assertThat(ok(spec)).isEqualTo(VOLUME);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "/root/image.iso,,hdc,cdrom",
            "/root/image.iso,,hdc,,cdrom",
            "/root/image.iso,raw,hdc,devtype=cdrom",
            "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
            "raw:/root/image.iso,hdc:cdrom,ro",
            "/root/image.iso,,hdc,rw,cdrom",
    })
    void theDocumentedSpellingsOfOneCdrom(String spec) {
        assertThat(ok(spec)).isEqualTo(ISO);
    }

    @Test
    void anEmptyCdromDriveInXendSyntax() {
        DiskSpec d = ok(",hdc:cdrom,r");
        assertThat(d.target()).isEmpty();
        assertThat(d.cdrom()).isTrue();
        assertThat(d.format()).isEqualTo(DiskFormat.EMPTY);
        assertThat(d.vdev()).isEqualTo("hdc");
    }

    @Test
    void targetEatsTheRestIncludingCommas() {
        assertThat(ok("vdev=xvda,target=/images/a,b.img").target()).contains("/images/a,b.img");
    }

    @Test
    void formatsBackendsAndScripts() {
        DiskSpec d = ok("/img/x.qcow2,qcow2,xvdb,r,backendtype=qdisk,backend=storage");
        assertThat(d.format()).isEqualTo(DiskFormat.QCOW2);
        assertThat(d.readwrite()).isFalse();
        assertThat(d.backendType()).contains(DiskBackendType.QDISK);
        assertThat(d.backendDomain()).contains("storage");
        assertThat(ok("iscsi:iqn.2001-05.com.example:disk,xvda,w").script()).contains("block-iscsi");
        assertThat(ok("vhd:/img/x.vhd,xvda,w").format()).isEqualTo(DiskFormat.VHD);
        assertThat(ok("/img/x,,xvda,w,discard,direct-io-safe,no-discard").vdev()).isEqualTo("xvda");
    }

    private static String msg(String m, String near, String spec) {
        return FILE + ": config parsing error in disk specification: " + m + (near == null ? "" : ": near `"
                + near + "'") + " in `" + spec + "'";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "/img/x                        | no vdev specified                  | -",
            "vdev=xvda                     | no target specified (and device not removable) | -",
            "/img/x,vmdk,xvda              | unknown value for format           | vmdk",
            "/img/x,,xvda,rx               | unknown value for access           | rx",
            "/img/x,,xvda,w,extra          | too many positional parameters     | extra",
            "/img/x,,xvda,devtype=floppy   | unknown value for type             | devtype=floppy",
            "/img/x,,xvda,colour=red       | unknown parameter                  | colour=r",
            "nfs:/img/x,xvda,w             | unknown deprecated disk prefix     | nfs:",
            "/img/x,,xvda,backendtype=ide  | unknown value for backendtype      | ide",
            "vdev=xvda,vdev=xvdb,/img/x    | vdev respecified                   | xvdb",
            "/img/x,raw,xvda,format=qcow2  | format respecified                 | qcow2",
            ",hdc:floppy,r                 | unknown deprecated type            | floppy",
            "/img/x,,xvda,=x              | bad disk syntax                     | =x",
            "/img/x,,xvda,trusted         | unknown value for access            | trusted",
    })
    void everyErrorHasLibxlutilsForm(String spec, String message, String near) {
        assertThat(error(spec.strip())).isEqualTo(msg(message, near, spec.strip()));
    }

    @Test
    void aBadCharacterAtTheVeryEndStopsTheScanWithoutAnError() {
        // flex reaches the end of the string before its LEXERR rule can report.
        assertThat(error("=")).isEqualTo(msg("no vdev specified", null, "="));
        assertThat(ok("/img,,xvda=").vdev()).isEqualTo("xvda");
    }

    @Test
    void anEmptyPositionalTargetIsATargetNotAMissingOne() {
        DiskSpec d = ok(" , ,xvda");
        assertThat(d.target()).isEmpty();
        assertThat(d.cdrom()).isFalse();
    }

    @Test
    void cdromsAreAlwaysReadOnly() {
        assertThat(ok("/iso,,hdc,w,cdrom").readwrite()).isFalse();
    }

    @Test
    void toDeviceConfigIsTheVbd() {
        var vbd = ok("/img/rhel6.raw,raw,xvda,w").toDeviceConfig(3, 0).orElseThrow();
        assertThat(vbd.type()).isEqualTo("vbd");
        assertThat(vbd.devid()).isEqualTo(51712);
        assertThat(vbd.frontendKeys()).containsEntry("virtual-device", "51712").containsEntry("device-type", "disk");
        assertThat(vbd.backendKeys()).containsEntry("params", "/img/rhel6.raw").containsEntry("type", "phy")
                .containsEntry("mode", "w").containsEntry("dev", "xvda");
        var iso = ok("/iso,,hdc,cdrom").toDeviceConfig(3, 0).orElseThrow();
        assertThat(iso.frontendKeys()).containsEntry("device-type", "cdrom");
        assertThat(iso.backendKeys()).containsEntry("mode", "r").containsEntry("removable", "1");
        assertThat(ok("/img/x.qcow2,qcow2,xvdb").toDeviceConfig(3, 0).orElseThrow().backendKeys())
                .containsEntry("type", "qdisk");
        assertThat(ok(",hdc:cdrom,r").toDeviceConfig(3, 0)).isEmpty();
        assertThat(ok("/img,,vda").toDeviceConfig(3, 0)).isEmpty();
    }

    @Test
    void aQdiskDiskIsUnderBackendQdiskWithFormatPrefixedParamsAndNoScript() {
        var qcow2 = ok("/img/x.qcow2,qcow2,xvdb").toDeviceConfig(3, 0).orElseThrow();
        assertThat(qcow2.type()).isEqualTo("vbd");
        assertThat(qcow2.backendKind()).isEqualTo("qdisk");
        assertThat(qcow2.backendPath()).isEqualTo("/local/domain/0/backend/qdisk/3/51728");
        assertThat(qcow2.frontendPath()).isEqualTo("/local/domain/3/device/vbd/51728");
        assertThat(qcow2.backendKeys()).containsEntry("params", "qcow2:/img/x.qcow2").containsEntry("type", "qdisk")
                .doesNotContainKey("script");
        assertThat(qcow2.script()).isEmpty();
        // libxl__device_disk_string_of_format(LIBXL_DISK_FORMAT_RAW) is "aio".
        var raw = ok("format=raw,vdev=xvda,access=rw,backendtype=qdisk,target=/img/r.img").toDeviceConfig(3, 0)
                .orElseThrow();
        assertThat(raw.backendKeys()).containsEntry("params", "aio:/img/r.img").doesNotContainKey("script");
        var phy = ok("/img/r.img,raw,xvda,w").toDeviceConfig(3, 0).orElseThrow();
        assertThat(phy.backendKind()).isEqualTo("vbd");
        assertThat(phy.backendKeys()).containsEntry("params", "/img/r.img").containsKey("script");
    }

    @Test
    void aBackendTypeTheDiskCannotUseIsRefusedAsLibxlRefusesIt() {
        assertThat(ok("format=qcow2,vdev=xvda,backendtype=phy,target=/img/x.qcow2").backendRefusal())
                .contains("no suitable backend for disk xvda");
        assertThat(ok("format=raw,vdev=xvda,backendtype=tap,target=/img/x.img").backendRefusal()).isPresent();
        assertThat(ok("format=raw,vdev=xvda,backendtype=phy,target=/img/x.img").backendRefusal()).isEmpty();
        assertThat(ok("format=qcow2,vdev=xvda,backendtype=qdisk,target=/img/x.qcow2").backendRefusal()).isEmpty();
        assertThat(ok("/img/x.qcow2,qcow2,xvda").backendRefusal()).isEmpty();
    }

    @Test
    void emulatedIdeIsTheHdNames() {
        assertThat(ok("/img,,hda").emulatedIde()).isTrue();
        assertThat(ok("/img,,xvda").emulatedIde()).isFalse();
        assertThat(ok("/img,,xvda").virtualDevice()).contains(51712);
    }
}
