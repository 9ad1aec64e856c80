/* Feeds strings to the installed libxlutil 4.17 and prints what it reports (scripts/libxlutil-golden.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxl.h>
#include <libxlutil.h>

static char *slurp(FILE *f) {
    size_t cap = 1 << 16, n = 0; char *b = malloc(cap);
    int c; while ((c = fgetc(f)) != EOF) { if (n + 1 >= cap) b = realloc(b, cap *= 2); b[n++] = c; }
    b[n] = 0; return b;
}

int main(int argc, char **argv) {
    const char *mode = argv[1];
    char *data = slurp(stdin);
    XLU_Config *cfg = xlu_cfg_init(stdout, argc > 2 ? argv[2] : "f");
    if (!strcmp(mode, "cfg")) {
        int e = xlu_cfg_readdata(cfg, data, strlen(data));
        printf("RC=%d\n", e);
        if (!e) {
            for (int i = 3; i < argc; i++) {
                const char *s; long l; XLU_ConfigList *list; int n;
                if (!strncmp(argv[i], "s:", 2)) { int r = xlu_cfg_get_string(cfg, argv[i]+2, &s, 0); printf("S %s r=%d %s\n", argv[i]+2, r, r ? "" : s); }
                if (!strncmp(argv[i], "l:", 2)) { int r = xlu_cfg_get_long(cfg, argv[i]+2, &l, 0); printf("L %s r=%d %ld\n", argv[i]+2, r, r ? 0 : l); }
                if (!strncmp(argv[i], "t:", 2)) { int r = xlu_cfg_get_list(cfg, argv[i]+2, &list, &n, 0); printf("T %s r=%d n=%d\n", argv[i]+2, r, r ? 0 : n);
                    if (!r) for (int j = 0; j < n; j++) { const char *it = xlu_cfg_get_listitem(list, j); printf("  [%d] %s\n", j, it ? it : "(null)"); } }
            }
        }
    } else if (!strcmp(mode, "disk")) {
        data[strcspn(data, "\n")] = 0;
        libxl_device_disk disk; libxl_device_disk_init(&disk);
        const char *specs[] = { data };
        int e = xlu_disk_parse(cfg, 1, specs, &disk);
        printf("RC=%d\n", e);
        if (!e) printf("target=%s format=%s vdev=%s rw=%d cdrom=%d removable=%d backend=%s script=%s bdom=%s\n",
            disk.pdev_path ? disk.pdev_path : "(null)", libxl_disk_format_to_string(disk.format), disk.vdev ? disk.vdev : "(null)",
            disk.readwrite, disk.is_cdrom, disk.removable, libxl_disk_backend_to_string(disk.backend),
            disk.script ? disk.script : "(null)", disk.backend_domname ? disk.backend_domname : "(null)");
    } else if (!strcmp(mode, "rate")) {
        data[strcspn(data, "\n")] = 0;
        libxl_device_nic nic; libxl_device_nic_init(&nic);
        int e = xlu_vif_parse_rate(cfg, data, &nic);
        printf("RC=%d bytes=%llu usecs=%u\n", e, (unsigned long long)nic.rate_bytes_per_interval, nic.rate_interval_usecs);
    }
    return 0;
}
