package io.xensim.hvm.rtl8139.driver;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.*;

import io.xensim.hvm.platform.IoPortBus;
import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.hvm.platform.pci.PciBarInfo;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciConfigHeader;
import io.xensim.hvm.platform.pci.PciDeviceInfo;
import io.xensim.hvm.rtl8139.InterruptLine;
import io.xensim.net.frame.ChecksumOffload;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.Offload;
import io.xensim.net.guest.GuestNetInterface;
import io.xensim.net.guest.NetCounters;
import io.xensim.net.guest.NetOffloads;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The guest kernel's 8139too driver for one emulated RTL8139, reduced to its data path: {@code rtl8139_open}
 * (receive ring and transmit bounce buffers in guest memory, {@code rtl8139_hw_start}), {@code
 * rtl8139_start_xmit} (copy into the next of the four bounce buffers, round robin, and hand it over with a TSD
 * write), {@code rtl8139_interrupt} (read ISR, ack, mask receive interrupts and schedule the poll, reap transmit
 * descriptors), and the NAPI poll {@code rtl8139_rx} (walk the ring from {@code cur_rx} while CR says it is not
 * empty, check each header, hand the frame up, move CAPR, ack the receive bits: {@link RxRingReader}). Every
 * register access is port I/O on the guest's {@link IoPortBus} ({@link RtlPorts}), so a VM exit; the rings are the
 * guest's own memory and cost none.
 *
 * <p>Not modelled: the EEPROM read of the MAC (the driver reads IDR0-5, which the card loads from it at reset), MII
 * and media checks, the watchdog, multicast lists (the filter is broadcast plus the station address), ethtool.
 *
 * <p>The device is not trusted: a header whose length or status is impossible makes the driver count an error and
 * restart the receiver ({@code rtl8139_rx_err}), never read outside its ring buffer; every loop is bounded (the
 * reset poll by 1000 reads, the receive loop by the NAPI budget, the transmit reap by the four descriptors).
 *
 * <p><b>Threading:</b> the guest domain's executor: the network stack's calls, the interrupt handler and the poll
 * (re-enqueued there when the budget runs out).
 *
 * <p><b>Reference:</b> Linux 6.1 {@code drivers/net/ethernet/realtek/8139too.c}: {@code RX_BUF_IDX} 2 (32 KiB ring,
 * with {@code RxNoWrap}, 16 + 2048 bytes of pad), {@code MAX_ETH_FRAME_SIZE}/{@code TX_BUF_SIZE} 1792,
 * {@code rtl8139_rx_config}, {@code rtl8139_tx_config}, {@code rtl8139_intr_mask}, {@code RxAckBits}, {@code
 * rtl8139_chip_reset}, {@code rtl8139_hw_start}, {@code __set_rx_mode}, {@code rtl8139_start_xmit}, {@code
 * rtl8139_tx_interrupt}, {@code rtl8139_rx}, {@code rtl8139_isr_ack}, {@code rtl8139_rx_err}, {@code
 * rtl8139_interrupt}, {@code rtl8139_poll}; {@code RTL_W*_F} is a write followed by a read of the same register.
 */
public final class Rtl8139Driver implements GuestNetInterface {
    /** {@code RX_BUF_LEN}: the 32 KiB ring. */
    public static final int RX_BUF_LEN = 8192 << 2;
    /** {@code RX_BUF_TOT_LEN}: the ring plus the pad the chip may write past its end in no-wrap mode. */
    public static final int RX_BUF_TOT_LEN = RX_BUF_LEN + 16 + 2048;
    /** {@code MAX_ETH_FRAME_SIZE}, also {@code TX_BUF_SIZE}. */
    public static final int MAX_ETH_FRAME_SIZE = 1792;
    public static final int TX_BUF_SIZE = MAX_ETH_FRAME_SIZE;
    /** {@code ETH_ZLEN}: shorter frames are padded with zeros. */
    public static final int ETH_ZLEN = 60;
    public static final int ETH_DATA_LEN = 1500;
    /** The NAPI weight 8139too registers ({@code 64}). */
    public static final int NAPI_WEIGHT = 64;
    /** Linux's default {@code txqueuelen}. */
    public static final int TX_QUEUE_LEN = 1000;
    /** {@code rtl8139_rx_config}: 32 KiB ring, no wrap, FIFO threshold 7, DMA burst 7. */
    public static final int RTL8139_RX_CONFIG = (1 << 12) | RX_CFG_WRAP | (7 << 13) | (7 << 8);
    /** {@code rtl8139_tx_config}: IFG 96 bit times, DMA burst 6 (1024 bytes), 8 retries. */
    public static final int RTL8139_TX_CONFIG = (3 << 24) | (6 << 8) | (8 << 4);
    /** {@code rtl8139_intr_mask}. */
    public static final int RTL8139_INTR_MASK = PCI_ERR | PCS_TIMEOUT | RX_UNDERRUN | RX_OVERFLOW | RX_FIFO_OVER
            | TX_ERR | TX_OK | RX_ERR | RX_OK;
    /** {@code RxAckBits}. */
    public static final int RX_ACK_BITS = RX_FIFO_OVER | RX_OVERFLOW | RX_OK;
    /** {@code rtl8139_norx_intr_mask}. */
    public static final int RTL8139_NORX_INTR_MASK = RTL8139_INTR_MASK & ~RX_ACK_BITS;
    /** {@code tp->tx_flag}: the early-transmit threshold, {@code (TX_FIFO_THRESH << 11) & 0x003f0000}. */
    public static final int TX_FLAG = (256 << 11) & 0x003f_0000;
    private static final int RESET_POLLS = 1000;

    private final RtlPorts ports;
    private final RxRingReader rxRing;
    private final GuestMemory memory;
    private final MemorySegment ram;
    private final InterruptLine irq;
    private final Executor executor;
    private final NetCounters counters = new NetCounters();
    private final ArrayDeque<Frame> txQueue = new ArrayDeque<>();
    private MacAddress mac = MacAddress.ZERO;
    private Consumer<Frame> receiver = f -> { };
    private LinkState link = LinkState.DOWN;
    private long rxRingGfn = -1;
    private long txBufsGfn = -1;
    private long rxRingDma;
    private long txBufsDma;
    private int rxConfig;
    private int curTx;
    private int dirtyTx;
    private boolean pollScheduled;

    private Rtl8139Driver(IoPortBus io, int ioaddr, GuestMemory memory, InterruptLine irq, Executor executor) {
        this.ports = new RtlPorts(io, ioaddr);
        this.memory = memory;
        this.ram = memory.segment();
        this.rxRing = new RxRingReader(ports, ram, counters);
        this.irq = irq;
        this.executor = executor;
    }

    /** The scan's entry for a card this driver binds to ({@code rtl8139_pci_tbl}: 10ec:8139). */
    public static boolean matches(PciDeviceInfo device) {
        return device.vendorId() == PCI_VENDOR_ID_REALTEK && device.deviceId() == PCI_DEVICE_ID_REALTEK_8139;
    }

    /**
     * {@code rtl8139_init_one}: binds to {@code device}, found by the PCI scan, through its I/O BAR0; turns on bus
     * mastering and reads the station address. Empty if BAR0 was left unassigned ("no I/O resource").
     */
    public static Optional<Rtl8139Driver> probe(PciConf1 conf, PciDeviceInfo device, GuestMemory memory,
            InterruptLine irq, Executor executor) {
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(irq, "irq");
        Objects.requireNonNull(executor, "executor");
        if (!matches(device)) {
            throw new IllegalArgumentException("device: " + device.address() + " (expected: 10ec:8139)");
        }
        long bar0 = device.bar(0).filter(b -> b.kind().isIo()).map(PciBarInfo::address).orElse(0L);
        if (bar0 == 0) {
            return Optional.empty();
        }
        PciAddress address = device.address();
        int command = conf.read(address, PciConfigHeader.PCI_COMMAND, 2);   // pci_enable_device + pci_set_master
        conf.write(address, PciConfigHeader.PCI_COMMAND, 2,
                command | PciConfigHeader.PCI_COMMAND_IO | PciConfigHeader.PCI_COMMAND_MASTER);
        var driver = new Rtl8139Driver(conf.ioBus(), (int) bar0, memory, irq, executor);
        driver.readStationAddress();
        return Optional.of(driver);
    }

    private void readStationAddress() {
        long low = Integer.toUnsignedLong(ports.in32(MAC0));
        long high = ports.in16(MAC0 + 4);
        long bits = 0;
        for (int i = 0; i < 4; i++) {
            bits = bits << 8 | ((low >>> (8 * i)) & 0xff);
        }
        for (int i = 0; i < 2; i++) {
            bits = bits << 8 | ((high >>> (8 * i)) & 0xff);
        }
        mac = new MacAddress(bits);
    }

    /** The I/O port base of the card's registers (BAR0). */
    public int ioaddr() {
        return ports.ioaddr();
    }

    /**
     * {@code rtl8139_open}: takes the ring and bounce buffers from guest memory, hooks the interrupt, starts the
     * chip. False (and the link stays down) if guest memory has no room.
     */
    public boolean open() {
        if (link != LinkState.DOWN) {
            return true;
        }
        int rxFrames = (RX_BUF_TOT_LEN + 4095) / 4096;
        int txFrames = (TX_BUF_SIZE * NUM_TX_DESC + 4095) / 4096;
        rxRingGfn = memory.allocateFrames(rxFrames);
        txBufsGfn = rxRingGfn < 0 ? -1 : memory.allocateFrames(txFrames);
        if (txBufsGfn < 0) {
            if (rxRingGfn >= 0) {
                memory.freeFrames(rxRingGfn, rxFrames);
            }
            rxRingGfn = -1;
            return false;
        }
        rxRingDma = rxRingGfn * 4096;
        txBufsDma = txBufsGfn * 4096;
        curTx = 0;
        dirtyTx = 0;
        irq.connect(this::interrupt);
        hwStart();
        link = LinkState.UP;
        return true;
    }

    /** {@code rtl8139_close}: stops the chip, masks its interrupts, frees the buffers. */
    public void close() {
        if (link == LinkState.DOWN) {
            return;
        }
        link = LinkState.DOWN;
        ports.out16(INTR_MASK, 0);
        ports.out8(CHIP_CMD, 0);
        irq.connect(null);
        counters.countTxDropped(txQueue.size());
        txQueue.clear();
        memory.freeFrames(rxRingGfn, (RX_BUF_TOT_LEN + 4095) / 4096);
        memory.freeFrames(txBufsGfn, (TX_BUF_SIZE * NUM_TX_DESC + 4095) / 4096);
        rxRingGfn = -1;
        txBufsGfn = -1;
    }

    // rtl8139_chip_reset: RST, then poll until the chip clears it (bounded).
    private void chipReset() {
        ports.out8(CHIP_CMD, CMD_RESET);
        for (int i = RESET_POLLS; i > 0; i--) {
            if ((ports.in8(CHIP_CMD) & CMD_RESET) == 0) {
                break;
            }
        }
    }

    // rtl8139_hw_start, in its order of register writes.
    private void hwStart() {
        chipReset();
        ports.out8F(CFG9346, CFG9346_UNLOCK);
        long m = mac.bits();
        int low = 0;
        for (int i = 0; i < 4; i++) {
            low |= (int) ((m >>> (8 * (5 - i))) & 0xff) << (8 * i);
        }
        int high = (int) ((m >>> 8) & 0xff) | (int) ((m & 0xff) << 8);
        ports.out32F(MAC0, low);
        ports.out32F(MAC0 + 4, high);
        rxRing.restart(rxRingDma);
        ports.out32F(RX_BUF, (int) rxRingDma);
        ports.out8(CHIP_CMD, CMD_RX_ENB | CMD_TX_ENB);
        rxConfig = RTL8139_RX_CONFIG | ACCEPT_BROADCAST | ACCEPT_MY_PHYS;
        ports.out32(RX_CONFIG, rxConfig);
        ports.out32(TX_CONFIG, RTL8139_TX_CONFIG);
        ports.out8(CONFIG3, ports.in8(CONFIG3) & ~(1 << 5));
        ports.out8(CFG9346, CFG9346_LOCK);
        ports.out32(RX_MISSED, 0);
        setRxMode();
        ports.out16(MULTI_INTR, ports.in16(MULTI_INTR) & 0xf000);
        for (int i = 0; i < NUM_TX_DESC; i++) {
            ports.out32F(TX_ADDR0 + 4 * i, (int) (txBufsDma + (long) i * TX_BUF_SIZE));
        }
        if ((ports.in8(CHIP_CMD) & CMD_TX_ENB) == 0) {
            ports.out8(CHIP_CMD, CMD_RX_ENB | CMD_TX_ENB);
        }
        ports.out16(INTR_MASK, RTL8139_INTR_MASK);
    }

    // __set_rx_mode without a multicast list: broadcast and our own address, an empty hash.
    private void setRxMode() {
        int next = RTL8139_RX_CONFIG | ACCEPT_BROADCAST | ACCEPT_MY_PHYS;
        if (rxConfig != next) {
            ports.out32F(RX_CONFIG, next);
            rxConfig = next;
        }
        ports.out32F(MAR0, 0);
        ports.out32F(MAR0 + 4, 0);
    }

    // ---- GuestNetInterface ------------------------------------------------------------------------------------

    @Override
    public MacAddress mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return ETH_DATA_LEN;
    }

    @Override
    public LinkState linkState() {
        return link;
    }

    @Override
    public NetOffloads offloads() {
        return NetOffloads.NONE;
    }

    @Override
    public NetCounters counters() {
        return counters;
    }

    @Override
    public void setReceiver(Consumer<Frame> receiver) {
        this.receiver = Objects.requireNonNull(receiver, "receiver");
    }

    @Override
    public int txQueued() {
        return txQueue.size();
    }

    @Override
    public int txQueueLimit() {
        return TX_QUEUE_LEN;
    }

    @Override
    public SendResult send(Frame frame) {
        if (link != LinkState.UP) {
            counters.countTxDropped(1);
            return SendResult.DROPPED_LINK_DOWN;
        }
        Frame ready = frame;
        if (frame.offload().isGso()) {
            counters.countTxDropped(1);
            return SendResult.DROPPED_OFFLOAD_NOT_NEGOTIATED;
        }
        if (frame.offload().checksum() == Offload.Checksum.PARTIAL) {
            // the stack's skb_checksum_help: this NIC has no checksum offload
            if (!(ChecksumOffload.complete(frame) instanceof Decoded.Ok<Frame>(var done))) {
                counters.countTxDropped(1);
                return SendResult.DROPPED_OFFLOAD_NOT_NEGOTIATED;
            }
            ready = done;
        }
        if (ready.length() >= TX_BUF_SIZE) {   // rtl8139_start_xmit: len < TX_BUF_SIZE, else dropped
            counters.countTxDropped(1);
            return SendResult.DROPPED_TOO_BIG;
        }
        if (!txQueue.isEmpty() || curTx - dirtyTx >= NUM_TX_DESC) {   // netif_stop_queue: wait in the qdisc
            if (txQueue.size() >= TX_QUEUE_LEN) {
                counters.countTxDropped(1);
                return SendResult.DROPPED_QUEUE_FULL;
            }
            txQueue.addLast(ready);
            return SendResult.QUEUED;
        }
        startXmit(ready);
        return SendResult.SENT;
    }

    // rtl8139_start_xmit: copy into the entry's bounce buffer (zero-padded to ETH_ZLEN), then hand it over.
    private void startXmit(Frame frame) {
        int entry = curTx % NUM_TX_DESC;
        long buffer = txBufsDma + (long) entry * TX_BUF_SIZE;
        int len = frame.length();
        if (len < ETH_ZLEN) {
            ram.asSlice(buffer, ETH_ZLEN).fill((byte) 0);
        }
        MemorySegment.copy(frame.data(), 0, ram, buffer, len);
        ports.out32F(TX_STATUS0 + 4 * entry, TX_FLAG | Math.max(len, ETH_ZLEN));
        curTx++;
    }

    // ---- interrupt and poll -----------------------------------------------------------------------------------

    // rtl8139_interrupt: the hard-IRQ half.
    private void interrupt() {
        if (link != LinkState.UP) {
            return;
        }
        int status = ports.in16(INTR_STATUS);
        if ((status & RTL8139_INTR_MASK) == 0 || status == 0xffff) {
            return;   // not ours (shared line), or the card is gone
        }
        int ackstat = status & ~(RX_ACK_BITS | TX_ERR);
        if (ackstat != 0) {
            ports.out16(INTR_STATUS, ackstat);
        }
        if ((status & RX_ACK_BITS) != 0 && !pollScheduled) {
            ports.out16F(INTR_MASK, RTL8139_NORX_INTR_MASK);
            pollScheduled = true;
            executor.execute(this::poll);   // __napi_schedule: the poll runs as the softirq after this handler
        }
        if ((status & (TX_OK | TX_ERR)) != 0) {
            txInterrupt();
            if ((status & TX_ERR) != 0) {
                ports.out16(INTR_STATUS, TX_ERR);
            }
        }
    }

    // rtl8139_tx_interrupt: reap the descriptors the chip finished, oldest first.
    private void txInterrupt() {
        int left = curTx - dirtyTx;
        while (left > 0) {
            int entry = dirtyTx % NUM_TX_DESC;
            int txstatus = ports.in32(TX_STATUS0 + 4 * entry);
            if ((txstatus & (TX_STAT_OK | TX_UNDERRUN | TX_ABORTED)) == 0) {
                break;   // not done yet
            }
            if ((txstatus & (TX_OUT_OF_WINDOW | TX_ABORTED)) != 0) {
                counters.countTxError();
                if ((txstatus & TX_ABORTED) != 0) {
                    ports.out32(TX_CONFIG, 1);   // TxClearAbt
                }
            } else {
                counters.countTx(txstatus & 0x7ff);
            }
            dirtyTx++;
            left--;
        }
        while (!txQueue.isEmpty() && curTx - dirtyTx < NUM_TX_DESC) {   // netif_wake_queue
            startXmit(txQueue.pollFirst());
        }
    }

    // rtl8139_poll: receive up to the budget; below it, re-enable the receive interrupts.
    private void poll() {
        pollScheduled = false;
        if (link != LinkState.UP) {
            return;
        }
        int done = rxRing.rx(NAPI_WEIGHT, rxConfig, receiver);
        if (done < NAPI_WEIGHT) {
            ports.out16F(INTR_MASK, RTL8139_INTR_MASK);   // napi_complete_done
        } else {
            pollScheduled = true;
            executor.execute(this::poll);
        }
    }

    @Override
    public String toString() {
        return "Rtl8139Driver[" + mac + " io 0x" + Integer.toHexString(ports.ioaddr()) + " " + link + "]";
    }
}
