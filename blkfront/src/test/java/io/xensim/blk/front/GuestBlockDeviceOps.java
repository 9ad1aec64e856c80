package io.xensim.blk.front;

import io.xensim.blk.guest.BlkStatus;
import java.util.concurrent.CompletableFuture;

/** Method references for tests. */
final class GuestBlockDeviceOps {
    private GuestBlockDeviceOps() {
    }

    static CompletableFuture<BlkStatus> flush(BlkfrontDevice d) {
        return d.flush();
    }
}
