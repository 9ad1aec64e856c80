/*
 * Exercises libxensim-attach.so the way a backend would, and prints what each call returned, one "name value"
 * line each, for AttachServerTest to check against what Xen and Linux's gntdev/evtchn return.
 *
 * Usage: attach-checks GUEST RO-REF RW-REF FOREIGN-REF GUEST-PORT
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/grant_table.h>

static void out(const char *name, long value)
{
    printf("%s %ld\n", name, value);
}

int main(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    uint32_t guest = (uint32_t)atoi(argv[1]);
    uint32_t ro = (uint32_t)atoi(argv[2]), rw = (uint32_t)atoi(argv[3]), foreign = (uint32_t)atoi(argv[4]);
    evtchn_port_t guest_port = (evtchn_port_t)atoi(argv[5]);
    setvbuf(stdout, NULL, _IONBF, 0);

    xengnttab_handle *gt = xengnttab_open(NULL, 0);
    xenevtchn_handle *xe = xenevtchn_open(NULL, 0);
    out("open", gt != NULL && xe != NULL);

    errno = 0;
    out("map-ro-ref-writable", xengnttab_map_grant_ref(gt, guest, ro, PROT_READ | PROT_WRITE) != NULL);
    out("map-ro-ref-writable-errno", errno);
    unsigned char *page = xengnttab_map_grant_ref(gt, guest, ro, PROT_READ);
    out("map-ro-ref-readonly", page != NULL);
    out("ro-first-byte", page != NULL ? page[0] : -1);
    errno = 0;
    out("map-bad-ref", xengnttab_map_grant_ref(gt, guest, 1u << 30, PROT_READ) != NULL);
    out("map-bad-ref-errno", errno);
    out("map-foreign-ref", xengnttab_map_grant_ref(gt, guest, foreign, PROT_READ) != NULL);
    out("map-bad-domain", xengnttab_map_grant_ref(gt, 77, ro, PROT_READ) != NULL);

    unsigned char *wpage = xengnttab_map_grant_ref(gt, guest, rw, PROT_READ | PROT_WRITE);
    out("map-rw-ref", wpage != NULL);
    if (wpage != NULL)
        memcpy(wpage + 100, "from C", 6);

    uint32_t refs[2] = { ro, rw };
    uint32_t doms[2] = { guest, guest };
    unsigned char *two = xengnttab_map_grant_refs(gt, 2, doms, refs, PROT_READ);
    out("map-two", two != NULL);
    out("two-second-page-byte-100", two != NULL ? two[4096 + 100] : -1);
    out("unmap-two", two != NULL ? xengnttab_unmap(gt, two, 2) : -1);

    errno = 0;
    out("unmap-wrong-address", xengnttab_unmap(gt, (char *)page + 4096 * 7, 1));
    out("unmap-wrong-address-errno", errno);
    out("unmap-ro", xengnttab_unmap(gt, page, 1));

    xengnttab_grant_copy_segment_t segs[2];
    unsigned char buf[16] = { 0 };
    memset(segs, 0, sizeof(segs));
    segs[0].source.foreign.ref = ro;
    segs[0].source.foreign.domid = (uint16_t)guest;
    segs[0].source.foreign.offset = 1;
    segs[0].dest.virt = buf;
    segs[0].len = 4;
    segs[0].flags = GNTCOPY_source_gref;
    segs[1] = segs[0];
    segs[1].source.foreign.offset = 4094; /* crosses the page end */
    out("copy", xengnttab_grant_copy(gt, 2, segs));
    out("copy-status-0", segs[0].status);
    out("copy-byte-0", buf[0]);
    out("copy-status-1", segs[1].status);

    int port = xenevtchn_bind_interdomain(xe, guest, guest_port);
    out("bind", port);
    /* The new port starts pending, as Xen marks it; consume that event. */
    out("first-pending", xenevtchn_pending(xe));
    out("unmask", xenevtchn_unmask(xe, (evtchn_port_t)port));
    out("notify", xenevtchn_notify(xe, (evtchn_port_t)port));
    errno = 0;
    out("notify-not-ours", xenevtchn_notify(xe, (evtchn_port_t)port + 100));
    out("notify-not-ours-errno", errno);
    errno = 0;
    out("bind-again", xenevtchn_bind_interdomain(xe, guest, guest_port));
    out("bind-again-errno", errno);
    /* Wait for the guest's answer to the notify (it sends back on its port). */
    out("pending", xenevtchn_pending(xe));
    out("ready", 1);
    /* Stay until the test closes stdin, holding the rw map and the port, so the server releases them. */
    char c;
    while (read(0, &c, 1) > 0)
        ;
    return 0;
}
