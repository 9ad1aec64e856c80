/** Guest physical memory: each domain's 4 KiB frames, addressed by gfn, in native memory another process can map. */
package io.xensim.xenbus.memory;
