package io.xensim.net.bridge;

/**
 * A snapshot of one port's counters, seen from the bridge: {@code rx} is what the bridge received from the port
 * (the guest's transmissions), {@code tx} what the bridge transmitted to it, counted per frame handed over (a GSO
 * frame segmented for the port counts each segment, with its own length). {@code rxDropped}: frames refused at
 * ingress (shorter than an Ethernet header, or a source address that is multicast or zero); {@code txDropped}:
 * frames the device refused, or that could not be segmented or completed for it.
 *
 * <p><b>Threading:</b> an immutable value.
 */
public record PortCounters(long rxPackets, long rxBytes, long rxDropped, long txPackets, long txBytes,
                           long txDropped) {
}
