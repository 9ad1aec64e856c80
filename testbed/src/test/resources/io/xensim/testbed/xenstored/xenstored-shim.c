/*
 * xensim: an LD_PRELOAD library that lets the real C xenstored 4.17 (Debian xen-utils-4.17) start and serve its
 * Unix socket on a machine without Xen, so that xensim's xenstored can be compared with it request by request.
 *
 * Written for xensim (not taken from Xen). What it replaces, and why, from the 4.17 sources:
 *  - domain_init() (xenstored_domain.c) opens the hypervisor (xc_interface_open), the grant device
 *    (xengnttab_open, xengnttab_set_max_grants) and the event-channel device (xenevtchn_open), then binds
 *    VIRQ_DOM_EXC (xenevtchn_bind_virq). Each returns a dummy handle or port here.
 *  - main()'s poll loop (xenstored_core.c) polls xenevtchn_fd(): it gets the read end of a pipe whose write end
 *    stays open and is never written, so the event channel never fires and xenevtchn_pending() is never called.
 *  - dom0_init() reads the xenbus port from /proc/xen/xsd_port (xenbus_evtchn(), xenstored_posix.c) and maps dom0's
 *    ring page from /proc/xen/xsd_kva (xenbus_map()); open() of those two paths returns a memfd holding "1" and a
 *    zeroed page. introduce_domain() then binds the port (xenevtchn_bind_interdomain) and dom0_init() notifies it
 *    (xenevtchn_notify). The ring page stays empty, so dom0's ring connection never has a request.
 *  - get_domain_info() (xc_domain_getinfo) answers for domain 0 only: every other domid does not exist, as on a
 *    host where only dom0 runs. 4.17 calls xc_domain_getinfo; xc_domain_getinfolist is faked too, for later
 *    versions that call it instead.
 *  - A guest's ring cannot be mapped (xengnttab_map_grant_ref fails with ENOSYS), so XS_INTRODUCE of another domain
 *    fails as it would for a domain whose grant cannot be mapped.
 *
 * Definitions here are unversioned, and an unversioned definition in a preloaded object satisfies the versioned
 * references (VERS_4.17.0, VERS_1.0) of xenstored. The prototypes come from libxen-dev's headers, so a signature
 * that differs from the library's does not compile.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenevtchn.h>
#include <xengnttab.h>

/* Never dereferenced by xenstored: each handle is only passed back to the functions below. */
static char dummy_xc, dummy_gnttab, dummy_evtchn;
/* [0] is polled by xenstored, [1] stays open and unwritten so [0] never becomes readable. */
static int evtchn_pipe[2] = {-1, -1};
static evtchn_port_t next_port = 1;

xc_interface *xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dombuild_logger,
                                unsigned open_flags)
{
    (void) logger; (void) dombuild_logger; (void) open_flags;
    return (xc_interface *) &dummy_xc;
}

int xc_interface_close(xc_interface *xch)
{
    (void) xch;
    return 0;
}

/* Only domain 0 exists: it is the answer for any first_domid of 0, and nothing is found above it. */
int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms, xc_dominfo_t *info)
{
    (void) xch;
    if (first_domid != 0 || max_doms == 0)
        return 0;
    memset(info, 0, sizeof(*info));
    info->domid = 0;
    info->running = 1;
    return 1;
}

int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
                          xc_domaininfo_t *info)
{
    (void) xch;
    if (first_domain != 0 || max_domains == 0)
        return 0;
    memset(info, 0, sizeof(*info));
    info->domain = 0;
    info->flags = XEN_DOMINF_running;
    return 1;
}

xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void) logger; (void) open_flags;
    return (xengnttab_handle *) &dummy_gnttab;
}

int xengnttab_close(xengnttab_handle *xgt)
{
    (void) xgt;
    return 0;
}

int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
    (void) xgt; (void) nr_grants;
    return 0;
}

void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref, int prot)
{
    (void) xgt; (void) domid; (void) ref; (void) prot;
    errno = ENOSYS;
    return NULL;
}

int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
    (void) xgt; (void) start_address; (void) count;
    return 0;
}

static xenevtchn_handle *evtchn_handle(void)
{
    if (evtchn_pipe[0] < 0 && pipe(evtchn_pipe) != 0)
        return NULL;
    return (xenevtchn_handle *) &dummy_evtchn;
}

xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned open_flags)
{
    (void) logger; (void) open_flags;
    return evtchn_handle();
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd, unsigned open_flags)
{
    (void) logger; (void) fd; (void) open_flags;
    return evtchn_handle();
}

int xenevtchn_close(xenevtchn_handle *xce)
{
    (void) xce;
    return 0;
}

int xenevtchn_fd(xenevtchn_handle *xce)
{
    (void) xce;
    return evtchn_pipe[0];
}

int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void) xce; (void) port;
    return 0;
}

xenevtchn_port_or_error_t xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
                                                     evtchn_port_t remote_port)
{
    (void) xce; (void) domid; (void) remote_port;
    return next_port++;
}

xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
    (void) xce; (void) virq;
    return next_port++;
}

int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void) xce; (void) port;
    return 0;
}

/* Not reached: the fd never becomes readable. Says "nothing pending" if it ever is. */
xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
    (void) xce;
    errno = EAGAIN;
    return -1;
}

int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
    (void) xce; (void) port;
    return 0;
}

/* An anonymous file of the given contents and length, positioned at its start. */
static int memory_file(const char *name, const void *contents, size_t contents_len, off_t length)
{
    int fd = memfd_create(name, 0);
    if (fd < 0)
        return -1;
    if (ftruncate(fd, length) != 0
        || (contents_len > 0 && pwrite(fd, contents, contents_len, 0) != (ssize_t) contents_len)) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int open(const char *path, int flags, ...)
{
    static int (*real_open)(const char *, int, ...);
    mode_t mode = 0;

    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t) va_arg(ap, int);
        va_end(ap);
    }
    if (strcmp(path, "/proc/xen/xsd_port") == 0)
        return memory_file("xsd_port", "1", 1, 1);
    if (strcmp(path, "/proc/xen/xsd_kva") == 0)
        return memory_file("xsd_kva", NULL, 0, sysconf(_SC_PAGESIZE));
    if (real_open == NULL)
        real_open = (int (*)(const char *, int, ...)) dlsym(RTLD_NEXT, "open");
    return real_open(path, flags, mode);
}
