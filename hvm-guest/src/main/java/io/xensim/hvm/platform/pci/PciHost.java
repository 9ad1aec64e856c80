package io.xensim.hvm.platform.pci;

import io.xensim.hvm.platform.IoPortBus;
import io.xensim.hvm.platform.IoPortDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The PCI host bridge of an HVM guest's emulated chipset (QEMU's i440FX) with configuration mechanism #1: a
 * 32-bit CONFIG_ADDRESS register at port 0xcf8 (bit 31 enable, bus in 23:16, device in 15:11, function in 10:8,
 * register in 7:2) and the CONFIG_DATA window at 0xcfc..0xcff, whose port offset adds to the register number.
 * Bus 0 holds up to 32 devices of 8 functions; a configuration read that selects nothing (no function, another
 * bus, or the enable bit clear) reads all ones and a write to it is dropped, as on real hardware.
 *
 * <p>Only a 4-byte access at 0xcf8 reaches CONFIG_ADDRESS; narrower ones read all ones and are dropped (on a
 * PIIX, 0xcf9 is a different register).
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread, like the {@link IoPortBus} it sits on; device models
 * plug and unplug from there too (QEMU's unplug runs in its device-model loop, in response to the guest's write).
 *
 * <p><b>Reference:</b> QEMU {@code hw/pci/pci_host.c} ({@code pci_host_config_write}, {@code pci_data_read}).
 */
public final class PciHost {
    /** CONFIG_ADDRESS, 4 bytes. */
    public static final int PCI_CONFIG_ADDRESS_PORT = 0xcf8;
    /** CONFIG_DATA, 4 ports. */
    public static final int PCI_CONFIG_DATA_PORT = 0xcfc;
    private static final int ENABLE = 0x8000_0000;
    /** Bit 31, bus, device, function and register number (bits 30:24 and 1:0 are reserved and read as 0). */
    private static final int ADDRESS_BITS = ENABLE | 0x00ff_fffc;

    private final IoPortBus ioBus;
    private final PciFunction[][] slots = new PciFunction[PciAddress.PCI_SLOT_COUNT][PciAddress.PCI_FUNCTION_COUNT];
    private int configAddress;

    private PciHost(IoPortBus ioBus) {
        this.ioBus = ioBus;
    }

    /** A host bridge with an empty bus 0, its configuration ports claimed on {@code ioBus}. */
    public static PciHost install(IoPortBus ioBus) {
        Objects.requireNonNull(ioBus, "ioBus");
        var host = new PciHost(ioBus);
        ioBus.register("pci-conf-idx", PCI_CONFIG_ADDRESS_PORT, 4, host.new AddressPort());
        ioBus.register("pci-conf-data", PCI_CONFIG_DATA_PORT, 4, host.new DataPort());
        return host;
    }

    public IoPortBus ioBus() {
        return ioBus;
    }

    /** Plugs {@code function} at {@code address} (bus 0), QEMU's realize of a device at {@code addr=}. */
    public void plug(PciAddress address, PciFunction function) {
        Objects.requireNonNull(function, "function");
        if (address.bus() != 0) {
            throw new IllegalArgumentException("address: " + address + " (expected: bus 00)");
        }
        if (slots[address.device()][address.function()] != null) {
            throw new IllegalArgumentException("address: " + address + " (expected: free, holds "
                    + slots[address.device()][address.function()] + ")");
        }
        if (find(function).isPresent()) {
            throw new IllegalArgumentException("function: " + function + " already at " + find(function).get());
        }
        slots[address.device()][address.function()] = function;
        if (address.function() != 0 && slots[address.device()][0] != null) {
            slots[address.device()][0].markMultiFunction();
        }
        if (address.function() == 0 && hasFunctionsBeyondZero(address.device())) {
            function.markMultiFunction();
        }
        function.attach(ioBus);
    }

    /**
     * Removes the function at {@code address}, its BARs stop decoding (QEMU's {@code object_unparent} of a PCI
     * device). Returns the function, or empty if the slot was free.
     */
    public Optional<PciFunction> unplug(PciAddress address) {
        PciFunction function = slots[address.device()][address.function()];
        if (address.bus() != 0 || function == null) {
            return Optional.empty();
        }
        slots[address.device()][address.function()] = null;
        function.detach();
        return Optional.of(function);
    }

    /** Removes {@code function} wherever it is plugged; false if it is not. */
    public boolean unplug(PciFunction function) {
        return find(function).flatMap(this::unplug).isPresent();
    }

    public Optional<PciFunction> function(PciAddress address) {
        return address.bus() == 0 ? Optional.ofNullable(slots[address.device()][address.function()])
                : Optional.empty();
    }

    public Optional<PciAddress> find(PciFunction function) {
        for (int d = 0; d < PciAddress.PCI_SLOT_COUNT; d++) {
            for (int f = 0; f < PciAddress.PCI_FUNCTION_COUNT; f++) {
                if (slots[d][f] == function) {
                    return Optional.of(PciAddress.of(d, f));
                }
            }
        }
        return Optional.empty();
    }

    /** Every plugged function's address, in bus order. */
    public List<PciAddress> addresses() {
        var list = new ArrayList<PciAddress>();
        for (int d = 0; d < PciAddress.PCI_SLOT_COUNT; d++) {
            for (int f = 0; f < PciAddress.PCI_FUNCTION_COUNT; f++) {
                if (slots[d][f] != null) {
                    list.add(PciAddress.of(d, f));
                }
            }
        }
        return List.copyOf(list);
    }

    private boolean hasFunctionsBeyondZero(int device) {
        for (int f = 1; f < PciAddress.PCI_FUNCTION_COUNT; f++) {
            if (slots[device][f] != null) {
                return true;
            }
        }
        return false;
    }

    /** The function CONFIG_ADDRESS selects, or null (disabled, another bus, or an empty slot). */
    private PciFunction selected() {
        if ((configAddress & ENABLE) == 0 || ((configAddress >>> 16) & 0xff) != 0) {
            return null;
        }
        return slots[(configAddress >>> 11) & 0x1f][(configAddress >>> 8) & 0x7];
    }

    private final class AddressPort implements IoPortDevice {
        @Override
        public int in(int offset, int size) {
            return offset == 0 && size == 4 ? configAddress : IoPortBus.mask(size);
        }

        @Override
        public void out(int offset, int size, int value) {
            if (offset == 0 && size == 4) {
                configAddress = value & ADDRESS_BITS;
            }
        }
    }

    private final class DataPort implements IoPortDevice {
        @Override
        public int in(int offset, int size) {
            PciFunction function = selected();
            return function == null ? IoPortBus.mask(size)
                    : function.readConfig((configAddress & 0xfc) + offset, size);
        }

        @Override
        public void out(int offset, int size, int value) {
            PciFunction function = selected();
            if (function != null) {
                function.writeConfig((configAddress & 0xfc) + offset, size, value);
            }
        }
    }
}
