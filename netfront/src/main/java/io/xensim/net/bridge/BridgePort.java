package io.xensim.net.bridge;

import io.xensim.net.frame.Frame;

/**
 * One device attached to a {@link Bridge}: a netback vif ({@code vifN.M} in dom0) or an emulated NIC. The bridge
 * calls {@link #transmit} to hand the port's device a frame (to the guest behind it); the device hands the bridge
 * what its guest sent with {@link Bridge#receive}.
 *
 * <p><b>Threading:</b> the bridge calls {@link #transmit} on the backend domain's executor, the only thread that
 * touches the bridge; an implementation that must reach another thread enqueues there.
 *
 * <p><b>Reference:</b> Linux net/bridge's {@code struct net_bridge_port} and the device's
 * {@code ndo_start_xmit}; {@link #offloads} stands for the device's {@code netdev_features_t}.
 */
public interface BridgePort {
    /** The interface name, e.g. {@code vif1.0}; unique on its bridge. */
    String name();

    /** What the device accepts: frames it cannot take are segmented or completed first. */
    PortOffloads offloads();

    /**
     * Hands {@code frame} to the device. Returns false if the device dropped it (ring full, device down): the
     * bridge counts a tx drop. Must not write to the frame's bytes (a flooded frame is shared by every port).
     */
    boolean transmit(Frame frame);
}
