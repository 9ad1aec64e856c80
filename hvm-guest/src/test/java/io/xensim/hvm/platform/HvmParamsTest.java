package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.bus.XenbusConfig;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import org.junit.jupiter.api.Test;

class HvmParamsTest {
    @Test
    void unsetReadsZeroAndBadIndicesAreErrors() {
        var params = new HvmParams();
        assertThat(params.get(1, HvmParams.HVM_PARAM_STORE_PFN).rc()).isEqualTo(-XenErrno.XEN_ESRCH);
        params.set(1, HvmParams.HVM_PARAM_STORE_EVTCHN, 5);
        assertThat(params.get(1, HvmParams.HVM_PARAM_STORE_PFN)).isEqualTo(new HvmParams.GetParam(0, 0));
        assertThat(params.get(1, HvmParams.HVM_PARAM_STORE_EVTCHN)).isEqualTo(new HvmParams.GetParam(0, 5));
        assertThat(params.get(1, HvmParams.HVM_NR_PARAMS).rc()).isEqualTo(-XenErrno.XEN_EINVAL);
        assertThat(params.get(1, -1).rc()).isEqualTo(-XenErrno.XEN_EINVAL);
        assertThatThrownBy(() -> params.set(1, 39, 0)).isInstanceOf(IllegalArgumentException.class);
        params.forget(1);
        assertThat(params.get(1, HvmParams.HVM_PARAM_STORE_EVTCHN).ok()).isFalse();
    }

    @Test
    void theRecordingRingStoresTheXenstorePageAndPort() {
        var params = new HvmParams();
        var config = ToolstackConfig.defaults().withXenbus(new XenbusConfig(BusFixture.TIMEOUT))
                .withGuestXenstore(params.recordingRing());
        try (var fx = new BusFixture(config)) {
            var guest = fx.guest(4);
            var pfn = params.get(4, HvmParams.HVM_PARAM_STORE_PFN);
            var evtchn = params.get(4, HvmParams.HVM_PARAM_STORE_EVTCHN);
            assertThat(pfn.ok()).isTrue();
            assertThat(evtchn.ok()).isTrue();
            assertThat(fx.toolstack.ringServer().backend(4).orElseThrow().remotePort())
                    .isEqualTo((int) evtchn.value());
            assertThat(guest.domain().memory().frame(pfn.value()).byteSize()).isEqualTo(4096);
            // the guest's xenstore works over that ring
            assertThat(fx.toolstack.await(guest.xs().readOptional("domid"))).hasValue("4");
            fx.toolstack.await(fx.toolstack.destroyDomain(4));
            params.forget(4);
        }
    }
}
