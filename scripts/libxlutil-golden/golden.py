import os, random, subprocess, sys
def esc(b):
    return b.decode('latin-1').replace('\\','\\\\').replace('\n','\\n').replace('\t','\\t')
def run(mode, data):
    out = subprocess.run([os.environ["ORACLE"], mode, "f"], input=data, capture_output=True).stdout
    return out.replace(b"target=(null)", b"target=")
random.seed(int(sys.argv[2]))
mode = sys.argv[1]
hand_cfg = [
 "name = \"rhel6\"\nbuilder = \"hvm\"\nmemory = 1024\nvif = [ 'type=netfront,bridge=xenbr0' ]\ndisk = [ 'phy:/dev/vg/rhel6,hda,w' ]\n",
 "name = 'x'\nmemory 512\n", "name =\n", "vif = [ 'a' 'b' ]\n", "extra = \"ro \"\nextra += \"quiet\"\n", "a = 1\na += 2\n",
 "name = os.getenv('N')\n", "Name = 'x'\n", "x = [\n 'a',\n 'b',\n]\n", "a = 'x'\n# tail", "a = \"\\x41\"\n", "a = \"x\\101y\"\n",
]
hand_disk = ["/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume,raw,hda,rw", "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
 "raw:/dev/vg/guest-volume,hda,w", "/root/image.iso,,hdc,cdrom", ",hdc:cdrom,r", "tap:aio:/img,xvda,w", "nfs:/img,xvda,w", "/img", "/img,,xvda,trusted",
 "/img,vmdk,xvda", "vdev=xvda,vdev=xvdb,/img", "/img,,xvda,grant_usage=1", "iscsi:iqn.x:disk,xvda,w", "/img,,xvda,colour=red"]
if mode == "cfg":
    atoms = ["name", "a", "vif", "memory", "x.y", "=", "+=", "[", "]", ",", ";", "\n", "\n", " ", "'s'", '"d"', "'a,b'", "12", "0x1f", "#c\n", "$", "(", "-", "'\\n'", "'\\q'", "\"\\101\"", "'unterminated", "\t", "B"]
    cases = hand_cfg + ["".join(random.choice(atoms) for _ in range(random.randint(1, 10))) for _ in range(int(sys.argv[3]))]
else:
    atoms = ["/img", "phy:", "file:", "tap:", "aio:", "raw:", "qcow2:", "nbd:", "foo:", ",", ",", "hda", "xvda", "hdc:cdrom", ":disk", "w", "r", "ro", "rw", "cdrom", "devtype=cdrom", "devtype=x", "format=raw", "format=vmdk", "vdev=xvdb", "access=r", "target=/a,b", "backendtype=phy", "backendtype=z", "backend=dom", "script=s", "discard", "foo=bar", " ", "=", "qcow2", "vhd", "empty", "specification=xen", "colo-port=0", "trusted"]
    cases = hand_disk + ["".join(random.choice(atoms) for _ in range(random.randint(1, 7))) for _ in range(int(sys.argv[3]))]
seen = set()
print(f"# Produced by the installed libxlutil 4.17 ({'xlu_cfg_readdata' if mode=='cfg' else 'xlu_disk_parse'}, source name \"f\") from the inputs")
print("# in the first column; the second is everything it printed, then RC=<errno>, and for a parsed disk its fields.")
print("# Columns are tab-separated; \\n, \\t and \\\\ are escaped.")
for c in cases:
    b = c.encode('latin-1')
    if b in seen or (mode == "disk" and b"\n" in b): continue
    seen.add(b)
    print(esc(b) + "\t" + esc(run(mode, b if mode == "cfg" else b + b"\n")))
