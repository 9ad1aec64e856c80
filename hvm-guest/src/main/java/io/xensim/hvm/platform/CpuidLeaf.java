package io.xensim.hvm.platform;

/**
 * The four registers a {@code cpuid} instruction returns ({@code struct cpuid_leaf} in Xen's terms).
 *
 * <p><b>Threading:</b> immutable.
 */
public record CpuidLeaf(int eax, int ebx, int ecx, int edx) {
    public static final CpuidLeaf ZERO = new CpuidLeaf(0, 0, 0, 0);

    /** The 12 signature bytes of a hypervisor base leaf: ebx, ecx, edx as little-endian ASCII. */
    public String signature() {
        var b = new StringBuilder(12);
        for (int reg : new int[] {ebx, ecx, edx}) {
            for (int i = 0; i < 4; i++) {
                b.append((char) ((reg >>> (8 * i)) & 0xff));
            }
        }
        return b.toString();
    }
}
