/*
 * A small blkback outside the JVM, written as a userspace backend for real Xen would be: libxenstore for the
 * xenbus handshake, libxengnttab to map the frontend's ring and data pages, libxenevtchn for the event channel,
 * BACK_RING and blkif.h from Debian's libxen-dev. Under xensim it runs with LD_PRELOAD=libxensim-attach.so.
 *
 * Usage: blkback BACKEND-PATH [--stall-after N] [--bad-id]
 *   --stall-after N  answer N requests, then leave the rest on the ring unanswered (for a kill mid-I/O)
 *   --bad-id         answer every request with an id the frontend never used (a malicious backend)
 *
 * The handshake follows Linux's xen-blkback (xenbus.c): InitWait with the keys of probe, connect_ring when the
 * frontend is Initialised or Connected, then sectors/info/sector-size and Connected. Single queue, one ring page,
 * no indirect descriptors, no persistent grants.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The barriers ring.h uses (xen_mb() is mb()), as xenctrl.h defines them for userspace. */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/io/blkif.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

#define PAGE_SIZE_4K 4096

static struct xs_handle *xs;
static xengnttab_handle *gt;
static xenevtchn_handle *xe;
static const char *be;
static char *fe;
static int fe_domid;
static int image = -1;
static long long sectors;
static int stall_after = -1;
static int bad_id;
static long long answered;

static blkif_back_ring_t ring;
static void *ring_page;
static evtchn_port_t port;
static int connected;
static int our_state;

static void writekey(const char *key, const char *fmt, ...);

static void set_state(int state)
{
    our_state = state;
    writekey("state", "%d", state);
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "blkback: ");
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
    snprintf(path, sizeof(path), "%s/%s", be, key);
    if (!xs_write(xs, XBT_NULL, path, value, strlen(value)))
        die("writing %s: %s", path, strerror(errno));
}

static int frontend_state(void)
{
    char *s = readkey(fe, "state");
    int state = s != NULL ? atoi(s) : 0;
    free(s);
    return state;
}

/* One segment: map the frontend's page (read-only for a write to disk), move the sectors, unmap. */
static int do_segment(struct blkif_request_segment *seg, int write, off_t *offset)
{
    int prot = write ? PROT_READ : PROT_READ | PROT_WRITE;
    char *page = xengnttab_map_grant_ref(gt, fe_domid, seg->gref, prot);
    if (page == NULL)
        return -1;
    size_t len = (size_t)(seg->last_sect - seg->first_sect + 1) * 512;
    char *data = page + seg->first_sect * 512;
    ssize_t n = write ? pwrite(image, data, len, *offset) : pread(image, data, len, *offset);
    xengnttab_unmap(gt, page, 1);
    *offset += (off_t)len;
    return n == (ssize_t)len ? 0 : -1;
}

static void respond(blkif_request_t *req, int status)
{
    blkif_response_t *rsp = RING_GET_RESPONSE(&ring, ring.rsp_prod_pvt);
    rsp->id = bad_id ? req->id ^ 0x5a5a5a5aULL : req->id;
    rsp->operation = req->operation;
    rsp->status = status;
    ring.rsp_prod_pvt++;
    answered++;
}

static void serve(void)
{
    int more;
    do {
        RING_IDX rc = ring.req_cons, rp = ring.sring->req_prod;
        xen_rmb();
        if (rp - rc > RING_SIZE(&ring))
            die("frontend's req_prod %u is %u past req_cons %u", rp, rp - rc, rc);
        while (rc != rp && !RING_REQUEST_CONS_OVERFLOW(&ring, rc)) {
            if (stall_after >= 0 && answered >= stall_after)
                break; /* leave the rest in flight, but push what is answered */
            blkif_request_t req = *RING_GET_REQUEST(&ring, rc);
            ring.req_cons = ++rc;
            int status = BLKIF_RSP_OKAY;
            off_t offset = (off_t)req.sector_number * 512;
            switch (req.operation) {
            case BLKIF_OP_READ:
            case BLKIF_OP_WRITE:
                if (req.nr_segments == 0 || req.nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
                    status = BLKIF_RSP_ERROR;
                    break;
                }
                for (int i = 0; i < req.nr_segments && status == BLKIF_RSP_OKAY; i++)
                    if (do_segment(&req.seg[i], req.operation == BLKIF_OP_WRITE, &offset) < 0)
                        status = BLKIF_RSP_ERROR;
                break;
            case BLKIF_OP_FLUSH_DISKCACHE:
                status = fdatasync(image) == 0 ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
                break;
            default:
                status = BLKIF_RSP_EOPNOTSUPP;
            }
            respond(&req, status);
        }
        int notify;
        RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&ring, notify);
        if (notify)
            xenevtchn_notify(xe, port);
        if (stall_after >= 0 && answered >= stall_after)
            return;
        RING_FINAL_CHECK_FOR_REQUESTS(&ring, more);
    } while (more);
}

/* connect_ring() and connect() of xen-blkback. */
static void connect_ring(void)
{
    char *ref = readkey(fe, "ring-ref");
    char *evtchn = readkey(fe, "event-channel");
    if (ref == NULL || evtchn == NULL)
        die("frontend %s has no ring-ref or event-channel", fe);
    ring_page = xengnttab_map_grant_ref(gt, fe_domid, (uint32_t)atoi(ref), PROT_READ | PROT_WRITE);
    if (ring_page == NULL)
        die("mapping ring-ref %s of d%d: %s", ref, fe_domid, strerror(errno));
    BACK_RING_INIT(&ring, (blkif_sring_t *)ring_page, PAGE_SIZE_4K);
    int bound = xenevtchn_bind_interdomain(xe, fe_domid, (evtchn_port_t)atoi(evtchn));
    if (bound < 0)
        die("binding event-channel %s of d%d: %s", evtchn, fe_domid, strerror(errno));
    port = (evtchn_port_t)bound;
    free(ref);
    free(evtchn);
    writekey("feature-flush-cache", "1");
    writekey("sectors", "%lld", sectors);
    writekey("info", "0");
    writekey("sector-size", "512");
    connected = 1;
    set_state(XenbusStateConnected);
    fprintf(stderr, "blkback: connected to d%d, port %u\n", fe_domid, port);
}

static void disconnect(void)
{
    if (!connected)
        return;
    xenevtchn_unbind(xe, port);
    xengnttab_unmap(gt, ring_page, 1);
    connected = 0;
}

/* frontend_changed() of xen-blkback, for the states this backend meets. */
static void frontend_changed(void)
{
    int state = frontend_state();
    switch (state) {
    case XenbusStateInitialising:
        if (our_state == XenbusStateClosed) {
            fprintf(stderr, "blkback: prepare for reconnect\n");
            set_state(XenbusStateInitWait);
        }
        break;
    case XenbusStateInitialised:
    case XenbusStateConnected:
        if (!connected && our_state != XenbusStateClosed)
            connect_ring();
        break;
    case XenbusStateClosing:
        disconnect();
        set_state(XenbusStateClosing);
        break;
    case XenbusStateClosed:
        disconnect();
        set_state(XenbusStateClosed);
        break;
    case XenbusStateUnknown:
        disconnect();
        exit(0); /* the frontend is gone: device_unregister */
    default:
        break;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: blkback BACKEND-PATH [--stall-after N] [--bad-id]");
    be = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--stall-after") == 0 && i + 1 < argc)
            stall_after = atoi(argv[++i]);
        else if (strcmp(argv[i], "--bad-id") == 0)
            bad_id = 1;
    }
    setvbuf(stderr, NULL, _IONBF, 0);
    xs = xs_open(0);
    gt = xengnttab_open(NULL, 0);
    xe = xenevtchn_open(NULL, 0);
    if (xs == NULL || gt == NULL || xe == NULL)
        die("opening xenstore/gnttab/evtchn: %s", strerror(errno));
    /*
     * Wait for the toolstack to write the backend directory, as a driver domain's backend watches for its
     * devices: after a backend died, the toolstack writes it back only once the frontend has let go.
     */
    if (!xs_watch(xs, be, "be"))
        die("watching %s: %s", be, strerror(errno));
    char *id = NULL, *params = NULL;
    for (time_t deadline = time(NULL) + 30;;) {
        fe = readkey(be, "frontend");
        id = readkey(be, "frontend-id");
        params = readkey(be, "params");
        char *state = readkey(be, "state");
        int ready = fe != NULL && id != NULL && params != NULL && state != NULL;
        free(state);
        if (ready)
            break;
        free(fe);
        free(id);
        free(params);
        if (time(NULL) > deadline)
            die("%s has no frontend, frontend-id or params", be);
        struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
        if (poll(&p, 1, 1000) > 0) {
            unsigned int n;
            free(xs_read_watch(xs, &n));
        }
    }
    xs_unwatch(xs, be, "be");
    fe_domid = atoi(id);
    image = open(params, O_RDWR | O_CLOEXEC);
    struct stat st;
    if (image < 0 || fstat(image, &st) < 0)
        die("opening %s: %s", params, strerror(errno));
    sectors = st.st_size / 512;
    writekey("feature-flush-cache", "1");
    set_state(XenbusStateInitWait);
    char fe_state[256];
    snprintf(fe_state, sizeof(fe_state), "%s/state", fe);
    if (!xs_watch(xs, fe_state, "fe"))
        die("watching %s: %s", fe_state, strerror(errno));
    fprintf(stderr, "blkback: serving %s (%lld sectors) for %s\n", params, sectors, fe);

    struct pollfd fds[2] = { { .fd = xs_fileno(xs), .events = POLLIN }, { .fd = xenevtchn_fd(xe), .events = POLLIN } };
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            unsigned int n;
            char **event = xs_read_watch(xs, &n);
            if (event == NULL)
                die("xenstore connection lost");
            free(event);
            frontend_changed();
        }
        if (fds[1].revents & POLLIN) {
            xenevtchn_port_or_error_t p = xenevtchn_pending(xe);
            if (p < 0)
                die("xenevtchn_pending: %s", strerror(errno));
            xenevtchn_unmask(xe, (evtchn_port_t)p);
            if (connected && (evtchn_port_t)p == port)
                serve();
        } else if (fds[1].revents & (POLLHUP | POLLERR)) {
            die("event channel device lost");
        }
    }
}
