package io.xensim.net.front;

import io.xensim.net.frame.Frame;
import io.xensim.net.guest.NetCounters;
import io.xensim.xenbus.bus.XenbusDevice;

/**
 * What a netfront queue needs from its device ({@code struct netfront_info} as a queue reaches it through
 * {@code queue->info}): the xenbus device for grants and ports, the counters, where received frames go, and the
 * device-wide "broken" flag a malicious backend sets.
 *
 * <p><b>Threading:</b> called on the guest domain's executor only.
 */
interface QueueOwner {
    XenbusDevice device();

    NetCounters counters();

    /** True once the device disabled itself ({@code info->broken}). */
    boolean broken();

    /** {@code info->broken = true; dev_alert("Disabled for further use")}: logs {@code why}, stops all queues. */
    void markBroken(String why);

    /** Hands a received frame to the guest ({@code napi_gro_receive}). */
    void deliver(Frame frame);
}
