package io.xensim.hvm.ide;

/**
 * How the guest's PIO driver drives the disk: 16-bit or 32-bit data-port accesses (libata's {@code ATA_PFLAG_PIO32},
 * {@code ata_sff_data_xfer32}), READ/WRITE SECTORS or MULTIPLE with a block of {@code multipleSectors} (0: one
 * sector per DRQ block), interrupts or polling with nIEN set ({@code ATA_TFLAG_POLLING}), and how many status
 * reads a wait may take before it gives up (each read is a VM exit, so the bound also bounds the cost of a dead
 * drive).
 *
 * <p><b>Threading:</b> immutable.
 */
public record IdePioConfig(boolean pio32, int multipleSectors, boolean polling, int pollLimit) {
    public IdePioConfig {
        if (multipleSectors < 0 || multipleSectors > Ata.MAX_MULT_SECTORS
                || (multipleSectors & (multipleSectors - 1)) != 0) {
            throw new IllegalArgumentException("multipleSectors: " + multipleSectors
                    + " (expected: 0 or a power of two up to " + Ata.MAX_MULT_SECTORS + ")");
        }
        if (pollLimit < 1) {
            throw new IllegalArgumentException("pollLimit: " + pollLimit + " (expected: at least 1)");
        }
    }

    /** 16-bit PIO, one sector per block, interrupt driven, up to 1000 status reads per wait. */
    public static IdePioConfig defaults() {
        return new IdePioConfig(false, 0, false, 1000);
    }

    public IdePioConfig withPio32(boolean on) {
        return new IdePioConfig(on, multipleSectors, polling, pollLimit);
    }

    public IdePioConfig withMultipleSectors(int n) {
        return new IdePioConfig(pio32, n, polling, pollLimit);
    }

    public IdePioConfig withPolling(boolean on) {
        return new IdePioConfig(pio32, multipleSectors, on, pollLimit);
    }

    public IdePioConfig withPollLimit(int n) {
        return new IdePioConfig(pio32, multipleSectors, polling, n);
    }
}
