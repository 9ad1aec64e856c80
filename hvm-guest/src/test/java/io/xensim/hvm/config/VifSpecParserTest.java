package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VifSpecParserTest {
    private static final String FILE = "guest.cfg";

    private static VifSpecParser.Result parse(String spec, ToolstackDialect dialect) {
        return VifSpecParser.parse(FILE, spec, 0, DomainType.HVM, dialect, new Random(42));
    }

    private static VifSpec vif(String spec) {
        VifSpecParser.Result r = parse(spec, ToolstackDialect.XL);
        assertThat(r.fatal()).isEmpty();
        return r.vif().orElseThrow();
    }

    @Test
    void anEmptySpecGetsLibxlDefaults() {
        VifSpec v = vif("");
        assertThat(v.devid()).isZero();
        assertThat(v.bridge()).isEqualTo("xenbr0");
        assertThat(v.type()).isEqualTo(NicType.VIF_IOEMU);
        assertThat(v.type().backendType()).isEqualTo("vif_ioemu");
        assertThat(v.model()).isEqualTo("rtl8139");
        assertThat(v.script()).isEqualTo("/etc/xen/scripts/vif-bridge");
        assertThat(v.mtu()).isEqualTo(1500);
        assertThat(v.trusted()).isTrue();
        assertThat(v.rate()).isEmpty();
        assertThat(v.mac()).matches("00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}");
    }

    @Test
    void thePvDefaultTypeIsVif() {
        VifSpec v = VifSpecParser.parse(FILE, "", 3, DomainType.PV, ToolstackDialect.XL, new Random(1)).vif()
                .orElseThrow();
        assertThat(v.type()).isEqualTo(NicType.VIF);
        assertThat(v.devid()).isEqualTo(3);
    }

    @Test
    void theRandomMacMasksTheFourthByteTo0x7f() {
        for (int seed = 0; seed < 200; seed++) {
            VifSpec v = VifSpecParser.parse(FILE, "", 0, DomainType.HVM, ToolstackDialect.XL, new Random(seed))
                    .vif().orElseThrow();
            assertThat(Integer.parseInt(v.mac().substring(9, 11), 16)).isLessThanOrEqualTo(0x7f);
        }
    }

    @Test
    void readsEveryKey() {
        VifSpec v = vif("mac=00:16:3E:12:34:56, bridge=br1,type=vif,model=e1000,vifname=web0,script=vif-route,"
                + "ip=10.0.0.2,backend=netdom,rate=10Mb/s@20ms,mtu=9000,devid=4,untrusted");
        assertThat(v.mac()).isEqualTo("00:16:3e:12:34:56");
        assertThat(v.bridge()).isEqualTo("br1");
        assertThat(v.type()).isEqualTo(NicType.VIF);
        assertThat(v.model()).isEqualTo("e1000");
        assertThat(v.vifname()).contains("web0");
        assertThat(v.script()).isEqualTo("vif-route");
        assertThat(v.ip()).contains("10.0.0.2");
        assertThat(v.backend()).contains("netdom");
        assertThat(v.rate()).contains(new VifRate(1_250_000L * 20_000 / 1_000_000, 20_000));
        assertThat(v.mtu()).isEqualTo(9000);
        assertThat(v.devid()).isEqualTo(4);
        assertThat(v.trusted()).isFalse();
    }

    @Test
    void typeNetfrontIsRejectedByXlAndTheDefaultKept() {
        VifSpecParser.Result r = parse("bridge=xenbr0,type=netfront", ToolstackDialect.XL);
        assertThat(r.log()).containsExactly("Invalid parameter `type'.");
        assertThat(r.vif().orElseThrow().type()).isEqualTo(NicType.VIF_IOEMU);
    }

    @ParameterizedTest(name = "xm type={0}")
    @CsvSource({"ioemu, VIF_IOEMU", "netfront, VIF", "vif, VIF", "paravirt, VIF"})
    void underXendAnyTypeButIoemuIsPvOnly(String type, NicType expected) {
        VifSpecParser.Result r = parse("type=" + type, ToolstackDialect.XM);
        assertThat(r.log()).isEmpty();
        assertThat(r.vif().orElseThrow().type()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "xm {0}")
    @CsvSource(delimiter = '|', value = {
            "bridge=xenbr0,mtu=9000     | Error: Invalid vif option: mtu",
            "bridge=xenbr0,trusted      | Error: trusted should be a pair, separated by an equals sign.",
            "bridge=xenbr0,,type=ioemu  | Error:  should be a pair, separated by an equals sign.",
            "colour=red                 | Error: Invalid vif option: colour",
    })
    void xmStopsAtAPieceItDoesNotKnow(String spec, String message) {
        VifSpecParser.Result r = parse(spec.strip(), ToolstackDialect.XM);
        assertThat(r.vif()).isEmpty();
        assertThat(r.fatal()).contains(message);
    }

    @Test
    void xmStripsKeysAndValuesAndTheLastKeyWins() {
        VifSpec v = parse(" bridge = br1 , type = netfront, bridge=br2 ", ToolstackDialect.XM).vif().orElseThrow();
        assertThat(v.bridge()).isEqualTo("br2");
        assertThat(v.type()).isEqualTo(NicType.VIF);
        assertThat(parse("  ", ToolstackDialect.XM).vif().orElseThrow().type()).isEqualTo(NicType.VIF_IOEMU);
    }

    @Test
    void aBadTokenIsAWarningAndTheVifStillComesUp() {
        VifSpecParser.Result r = parse("bridge=xenbr1,speed=fast,,  ,accel=x", ToolstackDialect.XL);
        assertThat(r.fatal()).isEmpty();
        assertThat(r.log()).containsExactly("unrecognized argument `speed=fast'", "unrecognized argument `'",
                "the accel parameter for vifs is currently not supported");
        assertThat(r.vif().orElseThrow().bridge()).isEqualTo("xenbr1");
    }

    @ParameterizedTest(name = "mac={0}")
    @CsvSource({
            "00:16:3e:zz:00:01, 00:16:3e:00:00:00",
            "00:16:3e:100:0:1,  00:16:3e:00:00:00",
            "aa:bb,             aa:bb:00:00:00:00",
            "0a-0b-0c-0d-0e-0f, 0a:0b:0c:0d:0e:0f",
    })
    void aMalformedMacKeepsTheBytesParsedSoFar(String mac, String expected) {
        VifSpecParser.Result r = parse("mac=" + mac, ToolstackDialect.XL);
        assertThat(r.vif().orElseThrow().mac()).isEqualTo(expected);
        assertThat(r.log()).isEqualTo(expected.equals("0a:0b:0c:0d:0e:0f")
                ? List.of() : List.of("Invalid parameter `mac'."));
    }

    @Test
    void aMacThatParsesToNothingGetsARandomOne() {
        VifSpec v = parse("mac=zz", ToolstackDialect.XL).vif().orElseThrow();
        assertThat(v.mac()).startsWith("00:16:3e:");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "rate=         | guest.cfg: config parsing error in vif: no rate specified in `'",
            "rate=fast     | guest.cfg: config parsing error in vif: invalid rate in `fast'",
            "rate=10Mb     | guest.cfg: config parsing error in vif: invalid rate in `10Mb'",
            "rate=0Mb/s    | guest.cfg: config parsing error in vif: rate overflow in `0Mb/s'",
            "rate=99999999999Mb/s | guest.cfg: config parsing error in vif: rate overflow in `99999999999Mb/s'",
            "rate=1Mb/s@x  | guest.cfg: config parsing error in vif: invalid replenishment interval in `x'",
            "rate=1Mb/s@5000s | guest.cfg: config parsing error in vif: replenishment interval overflow in `5000s'",
            "rate=5KB/s@0  | guest.cfg: config parsing error in vif: replenishment interval overflow in `0'",
            "rate=@10ms    | guest.cfg: config parsing error in vif: no rate specified in `@10ms'",
            "rate=4294967296B/s | guest.cfg: config parsing error in vif: rate overflow in `4294967296B/s'",
            "rate=4294967295GB/s@4294967295us | guest.cfg: config parsing error in vif: rate overflow in"
                    + " `4294967295GB/s@4294967295us'",
            "devid=x       | xl: failed to convert \"x\" to number",
            "devid=-1      | xl: failed to convert \"-1\" to number",
            "mtu=          | xl: failed to convert \"\" to number",
    })
    void aBadRateDevidOrMtuStopsCreation(String token, String message) {
        VifSpecParser.Result r = parse("bridge=xenbr0," + token.strip(), ToolstackDialect.XL);
        assertThat(r.vif()).isEmpty();
        assertThat(r.fatal()).contains(message);
    }

    @ParameterizedTest(name = "rate={0}")
    @CsvSource({
            "1MB/s,        50000, 50000",
            "8Mb/s,        50000, 50000",
            "100KB/s@1s,   100000, 1000000",
            "1GB/s@100us,  100000, 100",
            "1000B/s@2,    2000, 2000000",
            // strtoull(.., 0): a leading zero means octal (values from libxlutil 4.17 itself)
            "010Mb/s,      50000, 50000",
            "1MB/s@010ms,  8000, 8000",
            "5KB/s@4294967295us, 21474836, 4294967295",
            "3B/s@1us,     0, 1",
    })
    void ratesAreBytesPerInterval(String rate, long bytes, long usecs) {
        assertThat(vif("rate=" + rate).rate()).isEqualTo(Optional.of(new VifRate(bytes, usecs)));
    }

    @Test
    void toDeviceConfigWritesTheBackendTypeAndMtu() {
        var dc = vif("mac=00:16:3e:00:00:01,bridge=xenbr0,mtu=9000").toDeviceConfig(5, 0);
        assertThat(dc.type()).isEqualTo("vif");
        assertThat(dc.backendKeys()).containsEntry("type", "vif_ioemu").containsEntry("mtu", "9000")
                .containsEntry("mac", "00:16:3e:00:00:01").containsEntry("bridge", "xenbr0");
        assertThat(vif("type=vif").toDeviceConfig(5, 0).backendKeys()).containsEntry("type", "vif");
    }
}
