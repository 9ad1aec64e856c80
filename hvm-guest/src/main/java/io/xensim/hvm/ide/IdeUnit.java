package io.xensim.hvm.ide;

import static io.xensim.hvm.ide.Ata.ATA_DEVICE_OBS;
import static io.xensim.hvm.ide.Ata.ATA_DIAG_OK;
import static io.xensim.hvm.ide.Ata.ATA_DRDY;
import static io.xensim.hvm.ide.Ata.ATA_DSC;
import static io.xensim.hvm.ide.Ata.ATA_LBA;

/**
 * One of the two drive positions of an IDE channel (master or slave) with its own copy of the task-file
 * registers: the guest's register writes reach both positions, but only the selected one executes a command and
 * its registers are the ones the guest reads. A position without a drive keeps registers too (QEMU's
 * {@code IDEState} without a {@code blk}).
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread, through its {@link IdeChannel}.
 *
 * <p><b>Reference:</b> QEMU {@code hw/ide/core.c} ({@code IDEState}, {@code ide_reset}, {@code ide_set_signature},
 * {@code ide_get_sector}, {@code ide_set_sector}).
 */
final class IdeUnit {
    final int position;   // 0 master, 1 slave
    IdeDrive drive;
    ChsGeometry geometry;
    int feature;
    int error;
    int nsector;
    int sector;
    int lcyl;
    int hcyl;
    // LBA48: the byte each register held before its last write (QEMU's hob_*)
    int hobFeature;
    int hobNsector;
    int hobSector;
    int hobLcyl;
    int hobHcyl;
    int select;
    int status;
    int multSectors;
    boolean writeCache = true;

    IdeUnit(int position) {
        this.position = position;
        reset();
    }

    void attach(IdeDrive d) {
        drive = d;
        geometry = ChsGeometry.guess(d.image().sectors());
        reset();
    }

    void detach() {
        drive = null;
        geometry = null;
        reset();
    }

    boolean isCd() {
        return drive != null && drive.kind() == IdeDrive.Kind.CDROM;
    }

    boolean isDisk() {
        return drive != null && drive.kind() == IdeDrive.Kind.DISK;
    }

    // QEMU ide_reset: registers cleared, master selected, ready, and the signature.
    void reset() {
        feature = 0;
        hobFeature = 0;
        hobNsector = 0;
        hobSector = 0;
        hobLcyl = 0;
        hobHcyl = 0;
        multSectors = Ata.MAX_MULT_SECTORS;
        select = ATA_DEVICE_OBS;
        status = ATA_DRDY | ATA_DSC;
        error = 0;
        setSignature();
    }

    // QEMU cmd_exec_dev_diagnostic (also the end of a software reset): the signature and the diagnostic code;
    // an ATAPI drive clears its status, DRDY included.
    void diagnose() {
        setSignature();
        error = ATA_DIAG_OK;
        status = isCd() ? 0 : ATA_DRDY | ATA_DSC;
    }

    // QEMU ide_set_signature: 1/1 and 0/0 for a disk, 0x14/0xeb for ATAPI, 0xff/0xff for no drive.
    void setSignature() {
        nsector = 1;
        sector = 1;
        if (isCd()) {
            lcyl = Ata.ATAPI_SIGNATURE_LBAM;
            hcyl = Ata.ATAPI_SIGNATURE_LBAH;
        } else if (drive != null) {
            lcyl = 0;
            hcyl = 0;
        } else {
            lcyl = 0xff;
            hcyl = 0xff;
        }
    }

    /** The sector count of the command: 0 means 256 (LBA28) or 65536 (LBA48). */
    int sectorCount(boolean lba48) {
        if (lba48) {
            int count = hobNsector << 8 | nsector;
            return count == 0 ? Ata.ATA_MAX_SECTORS_LBA48_COMMAND : count;
        }
        return nsector == 0 ? Ata.ATA_MAX_SECTORS : nsector;
    }

    /** The start sector of an LBA48 command (QEMU's {@code ide_get_sector} with {@code lba48}). */
    long startSector48() {
        return (long) hobHcyl << 40 | (long) hobLcyl << 32 | (long) hobSector << 24 | (long) hcyl << 16
                | (long) lcyl << 8 | sector;
    }

    /** Leaves {@code lba} in the LBA48 address registers, current and HOB. */
    void setSector48(long lba) {
        sector = (int) lba & 0xff;
        lcyl = (int) (lba >>> 8) & 0xff;
        hcyl = (int) (lba >>> 16) & 0xff;
        hobSector = (int) (lba >>> 24) & 0xff;
        hobLcyl = (int) (lba >>> 32) & 0xff;
        hobHcyl = (int) (lba >>> 40) & 0xff;
    }

    /** The start sector the registers address (LBA28 or CHS), or -1 if CHS sector 0. */
    long startSector() {
        if ((select & ATA_LBA) != 0) {
            return (long) (select & 0x0f) << 24 | (long) hcyl << 16 | (long) lcyl << 8 | sector;
        }
        return geometry.toLba(hcyl << 8 | lcyl, select & 0x0f, sector);
    }

    /** Leaves {@code lba} in the address registers, in the addressing mode in use (QEMU's {@code ide_set_sector}). */
    void setSector(long lba) {
        if ((select & ATA_LBA) != 0) {
            select = (select & 0xf0) | (int) (lba >>> 24) & 0x0f;
            hcyl = (int) (lba >>> 16) & 0xff;
            lcyl = (int) (lba >>> 8) & 0xff;
            sector = (int) lba & 0xff;
        } else {
            int perCylinder = geometry.heads() * geometry.sectors();
            long cyl = lba / perCylinder;
            int rest = (int) (lba % perCylinder);
            hcyl = (int) (cyl >>> 8) & 0xff;
            lcyl = (int) cyl & 0xff;
            select = (select & 0xf0) | (rest / geometry.sectors()) & 0x0f;
            sector = rest % geometry.sectors() + 1;
        }
    }
}
