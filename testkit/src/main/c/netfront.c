/*
 * A small netfront outside the JVM, as a userspace frontend for real Xen would be written: libxenstore for the
 * xenbus handshake, libxengntshr to grant its rings and buffers to the backend, libxenevtchn for the event
 * channel, FRONT_RING and netif.h from Debian's libxen-dev. Under xensim it runs with LD_PRELOAD of the attach
 * library, as guest DOMID, its xenstore connection acting as that guest.
 *
 * Usage: netfront DOMID MY-IP PEER-IP [--rogue-cross-page | --rogue-slots N]
 *   default: ARP for PEER-IP, then one ICMP echo to it; prints "arp reply" and "echo reply", exits 0
 *   --rogue-cross-page  one tx request whose offset + size crosses its page's end
 *   --rogue-slots N     one packet of N chained tx slots (NETTXF_more_data)
 *   --rogue-req-prod    a tx req_prod 1000 requests past what the ring holds
 *   (a rogue prints "rogue sent" and then waits to be killed)
 *
 * The handshake follows Linux's xen-netfront (netback_changed, talk_to_netback): once the backend is in
 * InitWait, the rings and the event channel are written with request-rx-copy, then Connected.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The barriers ring.h uses (xen_mb() is mb()), as xenctrl.h defines them for userspace. */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/io/netif.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

#define PAGE 4096
#define TX_BUFS 32
#define RX_BUFS 64

static struct xs_handle *xs;
static xengntshr_handle *gs;
static xenevtchn_handle *xe;
static int domid, be_domid;
static char fe[128];
static char *be;
static evtchn_port_t port;
static netif_tx_front_ring_t tx;
static netif_rx_front_ring_t rx;
static unsigned char *tx_bufs, *rx_bufs;
static uint32_t tx_refs[TX_BUFS], rx_refs[RX_BUFS];
static unsigned char my_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x00 };
static unsigned char peer_mac[6];
static uint32_t my_ip, peer_ip;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "netfront: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static char *readkey(const char *dir, const char *key)
{
    char path[256];
    unsigned int len;
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_read(xs, XBT_NULL, path, &len);
}

static void writekey(const char *key, const char *fmt, ...)
{
    char path[256], value[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", fe, key);
    if (!xs_write(xs, XBT_NULL, path, value, strlen(value)))
        die("writing %s: %s", path, strerror(errno));
}

static int backend_state(void)
{
    char *s = readkey(be, "state");
    int state = s != NULL ? atoi(s) : 0;
    free(s);
    return state;
}

/* Waits, with the backend's state watch, until it reaches want; 30 s at most. */
static void await_backend(int want)
{
    time_t deadline = time(NULL) + 30;
    while (backend_state() != want) {
        struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
        if (time(NULL) > deadline)
            die("backend %s never reached state %d (it is %d)", be, want, backend_state());
        if (poll(&p, 1, 1000) > 0) {
            unsigned int n;
            free(xs_read_watch(xs, &n));
        }
    }
}

/* talk_to_netback(): rings, event channel, rx buffers, keys, then Connected. */
static void connect_rings(void)
{
    uint32_t ref;
    void *page = xengntshr_share_pages(gs, (uint32_t)be_domid, 1, &ref, 1);
    if (page == NULL)
        die("sharing the tx ring: %s", strerror(errno));
    SHARED_RING_INIT((netif_tx_sring_t *)page);
    FRONT_RING_INIT(&tx, (netif_tx_sring_t *)page, PAGE);
    writekey("tx-ring-ref", "%u", ref);
    page = xengntshr_share_pages(gs, (uint32_t)be_domid, 1, &ref, 1);
    if (page == NULL)
        die("sharing the rx ring: %s", strerror(errno));
    SHARED_RING_INIT((netif_rx_sring_t *)page);
    FRONT_RING_INIT(&rx, (netif_rx_sring_t *)page, PAGE);
    writekey("rx-ring-ref", "%u", ref);
    tx_bufs = xengntshr_share_pages(gs, (uint32_t)be_domid, TX_BUFS, tx_refs, 0);
    rx_bufs = xengntshr_share_pages(gs, (uint32_t)be_domid, RX_BUFS, rx_refs, 1);
    if (tx_bufs == NULL || rx_bufs == NULL)
        die("sharing buffers: %s", strerror(errno));
    int p = xenevtchn_bind_unbound_port(xe, (uint32_t)be_domid);
    if (p < 0)
        die("alloc_unbound for d%d: %s", be_domid, strerror(errno));
    port = (evtchn_port_t)p;
    writekey("event-channel", "%u", port);
    writekey("request-rx-copy", "1");
    writekey("feature-rx-notify", "1");
    writekey("feature-sg", "0");
    writekey("feature-gso-tcpv4", "0");
    for (int i = 0; i < RX_BUFS; i++) {
        netif_rx_request_t *req = RING_GET_REQUEST(&rx, rx.req_prod_pvt);
        req->id = (uint16_t)i;
        req->gref = rx_refs[i];
        rx.req_prod_pvt++;
    }
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&rx, notify);
    (void)notify; /* the backend is not connected yet: it reads the ring when it connects */
    writekey("state", "%d", XenbusStateConnected);
}

static uint16_t next_tx_id;

/* One tx request; flags NETTXF_more_data chains it to the next. */
static void push_tx(uint32_t gref, uint16_t offset, uint16_t size, uint16_t flags)
{
    netif_tx_request_t *req = RING_GET_REQUEST(&tx, tx.req_prod_pvt);
    req->gref = gref;
    req->offset = offset;
    req->size = size;
    req->flags = flags;
    req->id = next_tx_id++;
    tx.req_prod_pvt++;
}

static void kick(void)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&tx, notify);
    (void)notify;
    xenevtchn_notify(xe, port); /* always: the backend may not have set req_event yet */
}

static void send_frame(const unsigned char *frame, size_t len)
{
    int slot = next_tx_id % TX_BUFS;
    memcpy(tx_bufs + (size_t)slot * PAGE, frame, len);
    push_tx(tx_refs[slot], 0, (uint16_t)len, 0);
    kick();
}

static uint16_t checksum(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return htons((uint16_t)~sum);
}

static void send_arp(void)
{
    unsigned char f[60] = { 0 };
    memset(f, 0xff, 6);
    memcpy(f + 6, my_mac, 6);
    f[12] = 0x08; f[13] = 0x06;                 /* ARP */
    f[14] = 0; f[15] = 1; f[16] = 0x08; f[17] = 0; f[18] = 6; f[19] = 4; f[20] = 0; f[21] = 1; /* request */
    memcpy(f + 22, my_mac, 6);
    memcpy(f + 28, &my_ip, 4);
    memcpy(f + 38, &peer_ip, 4);
    send_frame(f, sizeof(f));
}

static void send_echo(void)
{
    unsigned char f[14 + 20 + 8 + 32] = { 0 };
    memcpy(f, peer_mac, 6);
    memcpy(f + 6, my_mac, 6);
    f[12] = 0x08; f[13] = 0x00;
    unsigned char *ip = f + 14;
    ip[0] = 0x45; ip[2] = 0; ip[3] = 20 + 8 + 32; ip[8] = 64; ip[9] = 1;
    memcpy(ip + 12, &my_ip, 4);
    memcpy(ip + 16, &peer_ip, 4);
    uint16_t c = checksum(ip, 20);
    memcpy(ip + 10, &c, 2);
    unsigned char *icmp = ip + 20;
    icmp[0] = 8; icmp[4] = 0x12; icmp[5] = 0x34; icmp[7] = 1;
    for (int i = 0; i < 32; i++)
        icmp[8 + i] = (unsigned char)i;
    c = checksum(icmp, 8 + 32);
    memcpy(icmp + 2, &c, 2);
    send_frame(f, sizeof(f));
}

/* One received frame: 1 = ARP reply from the peer, 2 = echo reply from it, 0 = something else. */
static int received(const unsigned char *f, int len)
{
    if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 && memcmp(f + 28, &peer_ip, 4) == 0) {
        memcpy(peer_mac, f + 22, 6);
        return 1;
    }
    if (len >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[14 + 9] == 1 && f[34] == 0
        && memcmp(f + 14 + 12, &peer_ip, 4) == 0)
        return 2;
    return 0;
}

/* Completes tx responses and re-posts rx buffers; returns what the rx frames were (see received()). */
static int drain(void)
{
    int seen = 0;
    RING_IDX rp = tx.sring->rsp_prod;
    rmb();
    while (tx.rsp_cons != rp) {
        netif_tx_response_t *rsp = RING_GET_RESPONSE(&tx, tx.rsp_cons);
        if (rsp->status != NETIF_RSP_OKAY)
            fprintf(stderr, "netfront: tx %u status %d\n", rsp->id, rsp->status);
        tx.rsp_cons++;
    }
    rp = rx.sring->rsp_prod;
    rmb();
    while (rx.rsp_cons != rp) {
        netif_rx_response_t *rsp = RING_GET_RESPONSE(&rx, rx.rsp_cons);
        if (rsp->id >= RX_BUFS)
            die("rx response id %u was never posted", rsp->id);
        if (rsp->status > 0) {
            int what = received(rx_bufs + (size_t)rsp->id * PAGE + rsp->offset, rsp->status);
            if (what > seen)
                seen = what;
        }
        netif_rx_request_t *req = RING_GET_REQUEST(&rx, rx.req_prod_pvt);
        req->id = rsp->id;
        req->gref = rx_refs[rsp->id];
        rx.req_prod_pvt++;
        rx.rsp_cons++;
    }
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&rx, notify);
    if (notify)
        xenevtchn_notify(xe, port);
    rx.sring->rsp_event = rx.rsp_cons + 1;
    tx.sring->rsp_event = tx.rsp_cons + 1;
    return seen;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        die("usage: netfront DOMID MY-IP PEER-IP [--rogue-cross-page | --rogue-slots N]");
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    domid = atoi(argv[1]);
    my_mac[5] = (unsigned char)domid;
    if (inet_pton(AF_INET, argv[2], &my_ip) != 1 || inet_pton(AF_INET, argv[3], &peer_ip) != 1)
        die("bad address");
    int rogue_cross = 0, rogue_slots = 0, rogue_prod = 0;
    for (int i = 4; i < argc; i++) {
        if (strcmp(argv[i], "--rogue-cross-page") == 0)
            rogue_cross = 1;
        else if (strcmp(argv[i], "--rogue-req-prod") == 0)
            rogue_prod = 1;
        else if (strcmp(argv[i], "--rogue-slots") == 0 && i + 1 < argc)
            rogue_slots = atoi(argv[++i]);
    }
    xs = xs_open(0);
    gs = xengntshr_open(NULL, 0);
    xe = xenevtchn_open(NULL, 0);
    if (xs == NULL || gs == NULL || xe == NULL)
        die("opening xenstore/gntshr/evtchn: %s", strerror(errno));
    snprintf(fe, sizeof(fe), "/local/domain/%d/device/vif/0", domid);
    be = readkey(fe, "backend");
    char *id = readkey(fe, "backend-id");
    if (be == NULL || id == NULL)
        die("%s has no backend or backend-id", fe);
    be_domid = atoi(id);
    char be_state[256];
    snprintf(be_state, sizeof(be_state), "%s/state", be);
    if (!xs_watch(xs, be_state, "be"))
        die("watching %s: %s", be_state, strerror(errno));
    await_backend(XenbusStateInitWait);
    connect_rings();
    await_backend(XenbusStateConnected);
    fprintf(stderr, "netfront: connected to %s, port %u\n", be, port);

    if (rogue_cross) {
        memset(tx_bufs, 0xab, PAGE);
        push_tx(tx_refs[0], 4000, 200, 0);
        kick();
        printf("rogue sent\n");
        pause();
    }
    if (rogue_slots > 0) {
        for (int i = 0; i < rogue_slots; i++)
            push_tx(tx_refs[i % TX_BUFS], 0, i == 0 ? (uint16_t)(60 * rogue_slots) : 60,
                    i + 1 < rogue_slots ? NETTXF_more_data : 0);
        kick();
        printf("rogue sent\n");
        pause();
    }

    if (rogue_prod) {
        wmb();
        tx.sring->req_prod = tx.req_prod_pvt + 1000;
        xenevtchn_notify(xe, port);
        printf("rogue sent\n");
        pause();
    }

    send_arp();
    int stage = 0;
    time_t deadline = time(NULL) + 30;
    while (stage < 2) {
        struct pollfd p = { .fd = xenevtchn_fd(xe), .events = POLLIN };
        if (time(NULL) > deadline)
            die("no %s within 30 s", stage == 0 ? "ARP reply" : "echo reply");
        if (poll(&p, 1, 1000) > 0) {
            xenevtchn_port_or_error_t got = xenevtchn_pending(xe);
            if (got >= 0)
                xenevtchn_unmask(xe, (evtchn_port_t)got);
        }
        int seen = drain();
        if (stage == 0 && seen >= 1) {
            printf("arp reply %02x:%02x:%02x:%02x:%02x:%02x\n", peer_mac[0], peer_mac[1], peer_mac[2], peer_mac[3],
                   peer_mac[4], peer_mac[5]);
            stage = 1;
            send_echo();
        } else if (stage == 1 && seen == 2) {
            printf("echo reply\n");
            stage = 2;
        }
    }
    return 0;
}
