/*
 * libxensim-attach.so: the entry points of libxengnttab, libxengntshr and libxenevtchn (Xen 4.17's prototypes,
 * from Debian's libxen-dev headers), implemented against a running xensim over its attach socket instead of
 * /dev/xen/gntdev, /dev/xen/gntalloc and /dev/xen/evtchn. Loaded with LD_PRELOAD, so its symbols win over the
 * real libraries the program is linked against. The protocol is docs/attach-protocol.md.
 *
 * Environment: XENSIM_ATTACH (the attach socket), XENSIM_DOMID (the domain this process acts as). libxenstore
 * is pointed at xensim's xenstored by XENSTORED_PATH and needs nothing from here.
 *
 * Grant maps are real shared memory: the granting domain's memory file arrives once per handle as a descriptor
 * (SCM_RIGHTS), and each granted frame is mapped MAP_SHARED at gfn * 4096, read-only when the map is.
 *
 * Threading: every handle has its own socket and a mutex around each request and reply; handles are
 * independent, as those of the real libraries are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

#define ATTACH_VERSION 1
#define OP_HELLO 1
#define OP_MAP 2
#define OP_UNMAP 3
#define OP_SET_MAX 4
#define OP_SHARE 5
#define OP_UNSHARE 6
#define OP_BIND_INTERDOMAIN 7
#define OP_BIND_UNBOUND 8
#define OP_NOTIFY 9
#define OP_UNMASK 10
#define OP_UNBIND 11
#define KIND_GNTTAB 1
#define KIND_GNTSHR 2
#define KIND_EVTCHN 3
#define REPLY_BIT 0x80000000u
#define FD_FOLLOWS 0x40000000u
#define MAX_ITEMS 1024
#define PAGE 4096
#define MAX_DOMAINS 16

struct item {
    uint32_t w[4];
};

struct conn {
    int sock;
    uint32_t next_id;
    pthread_mutex_t lock;
};

/* One mapped or shared area: its address, page count and the handles (maps) or refs (shares) behind it. */
struct area {
    struct area *next;
    void *addr;
    uint32_t count;
    uint32_t ids[];
};

struct xengntdev_handle {
    struct conn c;
    int kind;
    uint32_t domid;
    struct {
        uint32_t domid;
        int fd;
    } memfd[MAX_DOMAINS];
    int nmemfd;
    struct area *areas; /* guarded by c.lock */
};

struct xenevtchn_handle {
    struct conn c;
    int event_fd;
};

/* ------------------------------------------------------------------------------------------------ wire */

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads exactly len bytes with recvmsg, so that a descriptor riding on them is kept in *fd rather than lost. */
static int read_all(int fd, void *buf, size_t len, int *passed)
{
    char *p = buf;
    while (len > 0) {
        char control[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = p, .iov_len = len };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                              .msg_controllen = sizeof(control) };
        ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EPIPE;
            return -1;
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int got;
                memcpy(&got, CMSG_DATA(c), sizeof(got));
                if (passed != NULL && *passed < 0)
                    *passed = got;
                else
                    close(got);
            }
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * One request and its reply. Returns the reply's status (a port, 0, or a negative errno), or -errno of a broken
 * connection. out receives at most max_out items; *fd a descriptor, if one came.
 */
static int32_t rpc(struct conn *c, uint32_t op, int32_t arg, const struct item *in, uint32_t n_in,
                   struct item *out, uint32_t max_out, uint32_t *n_out, int *fd)
{
    uint32_t header[4];
    int32_t status;
    int passed = -1;
    pthread_mutex_lock(&c->lock);
    uint32_t id = ++c->next_id;
    header[0] = op;
    header[1] = id;
    header[2] = n_in;
    header[3] = (uint32_t)arg;
    if (write_all(c->sock, header, sizeof(header)) < 0
        || (n_in > 0 && write_all(c->sock, in, n_in * sizeof(*in)) < 0)
        || read_all(c->sock, header, sizeof(header), &passed) < 0)
        goto broken;
    if ((header[0] & ~FD_FOLLOWS) != (op | REPLY_BIT) || header[1] != id || header[3] > MAX_ITEMS) {
        errno = EPROTO;
        goto broken;
    }
    for (uint32_t i = 0; i < header[3]; i++) {
        struct item scratch;
        if (read_all(c->sock, i < max_out ? &out[i] : &scratch, sizeof(scratch), &passed) < 0)
            goto broken;
    }
    if (header[0] & FD_FOLLOWS) {
        char byte;
        if (read_all(c->sock, &byte, 1, &passed) < 0)
            goto broken;
    }
    pthread_mutex_unlock(&c->lock);
    status = (int32_t)header[2];
    if (n_out != NULL)
        *n_out = header[3] < max_out ? header[3] : max_out;
    if (fd != NULL)
        *fd = passed;
    else if (passed >= 0)
        close(passed);
    return status;
broken:
    pthread_mutex_unlock(&c->lock);
    if (passed >= 0)
        close(passed);
    return errno > 0 ? -errno : -EPIPE;
}

/* Connects and sends HELLO as XENSIM_DOMID; *fd receives the event pipe of an evtchn handle. */
static int attach(struct conn *c, int kind, uint32_t *domid, int *fd)
{
    const char *path = getenv("XENSIM_ATTACH");
    const char *dom = getenv("XENSIM_DOMID");
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (path == NULL || strlen(path) >= sizeof(addr.sun_path)) {
        errno = ENOENT;
        return -1;
    }
    strcpy(addr.sun_path, path);
    c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->sock < 0)
        return -1;
    if (connect(c->sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int saved = errno;
        close(c->sock);
        errno = saved;
        return -1;
    }
    pthread_mutex_init(&c->lock, NULL);
    c->next_id = 0;
    *domid = dom != NULL ? (uint32_t)strtoul(dom, NULL, 10) : 0;
    struct item hello = { { ATTACH_VERSION, (uint32_t)kind, 0, 0 } };
    struct item reply;
    int32_t status = rpc(c, OP_HELLO, (int32_t)*domid, &hello, 1, &reply, 1, NULL, fd);
    if (status < 0) {
        close(c->sock);
        errno = -status;
        return -1;
    }
    return 0;
}

static int fail(int32_t status)
{
    errno = -status;
    return -1;
}

/* ------------------------------------------------------------------------------------------------ gnttab */

static struct xengntdev_handle *open_gntdev(int kind)
{
    struct xengntdev_handle *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return NULL;
    h->kind = kind;
    if (attach(&h->c, kind, &h->domid, NULL) < 0) {
        free(h);
        return NULL;
    }
    return h;
}

static int close_gntdev(struct xengntdev_handle *h)
{
    if (h == NULL)
        return 0;
    while (h->areas != NULL) {
        struct area *a = h->areas;
        h->areas = a->next;
        munmap(a->addr, (size_t)a->count * PAGE);
        free(a);
    }
    for (int i = 0; i < h->nmemfd; i++)
        close(h->memfd[i].fd);
    close(h->c.sock); /* the server unmaps or revokes whatever is still outstanding */
    pthread_mutex_destroy(&h->c.lock);
    free(h);
    return 0;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    return open_gntdev(KIND_GNTTAB);
}

int xengnttab_close(xengnttab_handle *xgt)
{
    return close_gntdev(xgt);
}

int xengnttab_fd(xengnttab_handle *xgt)
{
    return xgt->c.sock;
}

static int memfd_of(struct xengntdev_handle *h, uint32_t domid)
{
    for (int i = 0; i < h->nmemfd; i++)
        if (h->memfd[i].domid == domid)
            return h->memfd[i].fd;
    return -1;
}

static void remember_memfd(struct xengntdev_handle *h, uint32_t domid, int fd)
{
    if (fd < 0)
        return;
    if (memfd_of(h, domid) >= 0 || h->nmemfd == MAX_DOMAINS) {
        close(fd);
        return;
    }
    h->memfd[h->nmemfd].domid = domid;
    h->memfd[h->nmemfd].fd = fd;
    h->nmemfd++;
}

/* Maps frames gfns[0..count) of domid's memory file into one fresh contiguous area. */
static void *map_frames(struct xengntdev_handle *h, uint32_t domid, const uint64_t *gfns, uint32_t count, int prot)
{
    int memfd = memfd_of(h, domid);
    if (memfd < 0) {
        errno = EINVAL;
        return NULL;
    }
    char *base = mmap(NULL, (size_t)count * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    for (uint32_t i = 0; i < count; i++) {
        if (mmap(base + (size_t)i * PAGE, PAGE, prot, MAP_SHARED | MAP_FIXED, memfd, (off_t)(gfns[i] * PAGE))
            == MAP_FAILED) {
            int saved = errno;
            munmap(base, (size_t)count * PAGE);
            errno = saved;
            return NULL;
        }
    }
    return base;
}

static void add_area(struct xengntdev_handle *h, void *addr, uint32_t count, const uint32_t *ids)
{
    struct area *a = malloc(sizeof(*a) + count * sizeof(uint32_t));
    a->addr = addr;
    a->count = count;
    memcpy(a->ids, ids, count * sizeof(uint32_t));
    pthread_mutex_lock(&h->c.lock);
    a->next = h->areas;
    h->areas = a;
    pthread_mutex_unlock(&h->c.lock);
}

static struct area *take_area(struct xengntdev_handle *h, void *addr, uint32_t count)
{
    pthread_mutex_lock(&h->c.lock);
    for (struct area **p = &h->areas; *p != NULL; p = &(*p)->next) {
        if ((*p)->addr == addr && (*p)->count == count) {
            struct area *a = *p;
            *p = a->next;
            pthread_mutex_unlock(&h->c.lock);
            return a;
        }
    }
    pthread_mutex_unlock(&h->c.lock);
    return NULL;
}

/* The GNTST_* of this thread's last refused map, for grant_copy's per-segment status. */
static __thread int16_t last_map_status;

static void *map_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid, const uint32_t *refs, int prot)
{
    if (count == 0 || count > MAX_ITEMS) {
        errno = EINVAL;
        return NULL;
    }
    struct item *items = calloc(count, sizeof(*items));
    uint64_t *gfns = calloc(count, sizeof(*gfns));
    uint32_t *handles = calloc(count, sizeof(*handles));
    void *addr = NULL;
    if (items == NULL || gfns == NULL || handles == NULL) {
        errno = ENOMEM;
        goto out;
    }
    int readonly = (prot & PROT_WRITE) == 0;
    for (uint32_t i = 0; i < count; i++) {
        items[i].w[0] = refs[i];
        items[i].w[1] = readonly;
    }
    uint32_t n = 0;
    int fd = -1;
    int32_t status = rpc(&xgt->c, OP_MAP, (int32_t)domid, items, count, items, count, &n, &fd);
    remember_memfd(xgt, domid, fd);
    if (status < 0 || n != count) {
        last_map_status = GNTST_general_error;
        for (uint32_t i = 0; i < n; i++)
            if ((int16_t)items[i].w[1] != GNTST_okay)
                last_map_status = (int16_t)items[i].w[1];
        errno = status < 0 ? -status : EPROTO; /* gntdev: EINVAL for a grant Xen refused */
        goto out;
    }
    for (uint32_t i = 0; i < count; i++) {
        handles[i] = items[i].w[0];
        gfns[i] = items[i].w[2] | ((uint64_t)items[i].w[3] << 32);
    }
    addr = map_frames(xgt, domid, gfns, count, readonly ? PROT_READ : PROT_READ | PROT_WRITE);
    if (addr == NULL) {
        int saved = errno;
        for (uint32_t i = 0; i < count; i++)
            items[i].w[0] = handles[i];
        rpc(&xgt->c, OP_UNMAP, 0, items, count, NULL, 0, NULL, NULL);
        errno = saved;
        goto out;
    }
    add_area(xgt, addr, count, handles);
out:
    free(items);
    free(gfns);
    free(handles);
    return addr;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    return map_refs(xgt, 1, domid, &ref, prot);
}

void *xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t *domids, uint32_t *refs, int prot)
{
    for (uint32_t i = 1; i < count; i++) {
        if (domids[i] != domids[0]) {
            errno = EINVAL; /* one granting domain per map, as xensim's maps are per domain */
            return NULL;
        }
    }
    return map_refs(xgt, count, count > 0 ? domids[0] : 0, refs, prot);
}

void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count, uint32_t domid, uint32_t *refs,
                                      int prot)
{
    return map_refs(xgt, count, domid, refs, prot);
}

void *xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot,
                                     uint32_t notify_offset, evtchn_port_t notify_port)
{
    (void)notify_offset;
    (void)notify_port;
    (void)xgt;
    (void)domid;
    (void)ref;
    (void)prot;
    errno = ENOSYS; /* unmap notifications are not part of protocol version 1 */
    return NULL;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    struct area *a = take_area(xgt, start_address, count);
    if (a == NULL) {
        errno = EINVAL; /* gntdev: no map at that address of that size */
        return -1;
    }
    munmap(a->addr, (size_t)a->count * PAGE);
    struct item *items = calloc(count, sizeof(*items));
    for (uint32_t i = 0; i < count; i++)
        items[i].w[0] = a->ids[i];
    int32_t status = rpc(&xgt->c, OP_UNMAP, 0, items, count, NULL, 0, NULL, NULL);
    free(items);
    free(a);
    return status < 0 ? fail(status) : 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
    int32_t status = rpc(&xgt->c, OP_SET_MAX, (int32_t)nr_grants, NULL, 0, NULL, 0, NULL, NULL);
    return status < 0 ? fail(status) : 0;
}

/*
 * GNTTABOP_copy through a transient map of each foreign side (read-only for a source), so that Xen's checks of
 * the grant apply; a segment crossing its page end is GNTST_bad_copy_arg before anything is mapped, as in Xen.
 */
int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count, xengnttab_grant_copy_segment_t *segs)
{
    for (uint32_t i = 0; i < count; i++) {
        xengnttab_grant_copy_segment_t *s = &segs[i];
        int src_foreign = (s->flags & GNTCOPY_source_gref) != 0;
        int dst_foreign = (s->flags & GNTCOPY_dest_gref) != 0;
        if ((src_foreign && s->source.foreign.offset + s->len > PAGE)
            || (dst_foreign && s->dest.foreign.offset + s->len > PAGE)) {
            s->status = GNTST_bad_copy_arg;
            continue;
        }
        char *src = s->source.virt, *dst = s->dest.virt, *src_map = NULL, *dst_map = NULL;
        if (src_foreign) {
            src_map = xengnttab_map_grant_ref(xgt, s->source.foreign.domid, s->source.foreign.ref, PROT_READ);
            if (src_map == NULL) {
                s->status = last_map_status;
                continue;
            }
            src = src_map + s->source.foreign.offset;
        }
        if (dst_foreign) {
            dst_map = xengnttab_map_grant_ref(xgt, s->dest.foreign.domid, s->dest.foreign.ref,
                                              PROT_READ | PROT_WRITE);
            if (dst_map == NULL) {
                if (src_map != NULL)
                    xengnttab_unmap(xgt, src_map, 1);
                s->status = last_map_status;
                continue;
            }
            dst = dst_map + s->dest.foreign.offset;
        }
        memcpy(dst, src, s->len);
        if (src_map != NULL)
            xengnttab_unmap(xgt, src_map, 1);
        if (dst_map != NULL)
            xengnttab_unmap(xgt, dst_map, 1);
        s->status = GNTST_okay;
    }
    return 0;
}

int xengnttab_dmabuf_exp_from_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t flags, uint32_t count,
                                   const uint32_t *refs, uint32_t *fd)
{
    (void)xgt; (void)domid; (void)flags; (void)count; (void)refs; (void)fd;
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_dmabuf_exp_wait_released(xengnttab_handle *xgt, uint32_t fd, uint32_t wait_to_ms)
{
    (void)xgt; (void)fd; (void)wait_to_ms;
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_dmabuf_imp_to_refs(xengnttab_handle *xgt, uint32_t domid, uint32_t fd, uint32_t count,
                                 uint32_t *refs)
{
    (void)xgt; (void)domid; (void)fd; (void)count; (void)refs;
    errno = EOPNOTSUPP;
    return -1;
}

int xengnttab_dmabuf_imp_release(xengnttab_handle *xgt, uint32_t fd)
{
    (void)xgt; (void)fd;
    errno = EOPNOTSUPP;
    return -1;
}

/* ------------------------------------------------------------------------------------------------ gntshr */

xengntshr_handle *xengntshr_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void)logger;
    (void)open_flags;
    return open_gntdev(KIND_GNTSHR);
}

int xengntshr_close(xengntshr_handle *xgs)
{
    return close_gntdev(xgs);
}

int xengntshr_fd(xengntshr_handle *xgs)
{
    return xgs->c.sock;
}

void *xengntshr_share_pages(xengntshr_handle *xgs, uint32_t domid, int count, uint32_t *refs, int writable)
{
    if (count <= 0 || count > MAX_ITEMS) {
        errno = EINVAL;
        return NULL;
    }
    struct item *items = calloc((size_t)count, sizeof(*items));
    uint64_t *gfns = calloc((size_t)count, sizeof(*gfns));
    void *addr = NULL;
    struct item request = { { (uint32_t)count, writable ? 1u : 0u, 0, 0 } };
    uint32_t n = 0;
    int fd = -1;
    int32_t status = rpc(&xgs->c, OP_SHARE, (int32_t)domid, &request, 1, items, (uint32_t)count, &n, &fd);
    remember_memfd(xgs, xgs->domid, fd);
    if (status < 0 || n != (uint32_t)count) {
        errno = status < 0 ? -status : EPROTO;
        goto out;
    }
    for (int i = 0; i < count; i++) {
        refs[i] = items[i].w[0];
        gfns[i] = items[i].w[2] | ((uint64_t)items[i].w[3] << 32);
    }
    addr = map_frames(xgs, xgs->domid, gfns, (uint32_t)count, PROT_READ | PROT_WRITE);
    if (addr == NULL) {
        int saved = errno;
        for (int i = 0; i < count; i++)
            items[i].w[0] = refs[i];
        rpc(&xgs->c, OP_UNSHARE, 0, items, (uint32_t)count, NULL, 0, NULL, NULL);
        errno = saved;
        goto out;
    }
    add_area(xgs, addr, (uint32_t)count, refs);
out:
    free(items);
    free(gfns);
    return addr;
}

void *xengntshr_share_page_notify(xengntshr_handle *xgs, uint32_t domid, uint32_t *ref, int writable,
                                  uint32_t notify_offset, evtchn_port_t notify_port)
{
    (void)notify_offset;
    (void)notify_port;
    return xengntshr_share_pages(xgs, domid, 1, ref, writable); /* no unmap notification in version 1 */
}

int xengntshr_unshare(xengntshr_handle *xgs, void *start_address, uint32_t count)
{
    struct area *a = take_area(xgs, start_address, count);
    if (a == NULL) {
        errno = EINVAL;
        return -1;
    }
    munmap(a->addr, (size_t)a->count * PAGE);
    struct item *items = calloc(count, sizeof(*items));
    for (uint32_t i = 0; i < count; i++)
        items[i].w[0] = a->ids[i];
    int32_t status = rpc(&xgs->c, OP_UNSHARE, 0, items, count, NULL, 0, NULL, NULL);
    free(items);
    free(a);
    return status < 0 ? fail(status) : 0;
}

/* ------------------------------------------------------------------------------------------------ evtchn */

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
    (void)logger;
    (void)flags;
    struct xenevtchn_handle *h = calloc(1, sizeof(*h));
    uint32_t domid;
    if (h == NULL)
        return NULL;
    h->event_fd = -1;
    if (attach(&h->c, KIND_EVTCHN, &domid, &h->event_fd) < 0 || h->event_fd < 0) {
        if (h->event_fd < 0 && errno == 0)
            errno = EPROTO;
        free(h);
        return NULL;
    }
    /* /dev/xen/evtchn is opened blocking: xenevtchn_pending waits unless the caller sets O_NONBLOCK itself. */
    int fl = fcntl(h->event_fd, F_GETFL);
    if (fl >= 0)
        fcntl(h->event_fd, F_SETFL, fl & ~O_NONBLOCK);
    return h;
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags)
{
    (void)logger; (void)fd; (void)open_flags;
    errno = EOPNOTSUPP;
    return NULL;
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    if (xce == NULL)
        return 0;
    close(xce->c.sock); /* the server closes every port still bound */
    close(xce->event_fd);
    pthread_mutex_destroy(&xce->c.lock);
    free(xce);
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    return xce->event_fd;
}

static int port_op(xenevtchn_handle *xce, uint32_t op, evtchn_port_t port)
{
    struct item item = { { port, 0, 0, 0 } };
    int32_t status = rpc(&xce->c, op, 0, &item, 1, NULL, 0, NULL, NULL);
    return status < 0 ? fail(status) : 0;
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    return port_op(xce, OP_NOTIFY, port);
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    return port_op(xce, OP_UNMASK, port);
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    return port_op(xce, OP_UNBIND, port);
}

xenevtchn_port_or_error_t xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
    int32_t status = rpc(&xce->c, OP_BIND_UNBOUND, (int32_t)domid, NULL, 0, NULL, 0, NULL, NULL);
    return status < 0 ? fail(status) : status;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    struct item item = { { remote_port, 0, 0, 0 } };
    int32_t status = rpc(&xce->c, OP_BIND_INTERDOMAIN, (int32_t)domid, &item, 1, NULL, 0, NULL, NULL);
    return status < 0 ? fail(status) : status;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
    (void)xce; (void)virq;
    errno = EOPNOTSUPP;
    return -1;
}

/* Like read() of /dev/xen/evtchn: blocks until a port is raised, unless the caller made the fd non-blocking. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    uint32_t port;
    ssize_t n;
    do {
        n = read(xce->event_fd, &port, sizeof(port));
    } while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(port)) {
        if (n >= 0)
            errno = EIO;
        return -1;
    }
    return (xenevtchn_port_or_error_t)port;
}

int xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
    (void)xce; (void)domid;
    return 0; /* the attach server already confines the handle to its domain */
}
