/*
 * machine/isa_dma.h: the two 8237A DMA controllers of the PC (DMA1 channels
 * 0-3 at 0x00-0x0F, DMA2 channels 4-7 at 0xC0-0xDF on even ports) and the
 * page registers 0x81-0x8F. Registers read back like present hardware;
 * no transfers are performed (no device in this machine requests ISA DMA).
 */
#ifndef LS_MACHINE_ISA_DMA_H
#define LS_MACHINE_ISA_DMA_H

#include <stdint.h>

#include "machine/isa_dev.h"

struct isa_dma;

/* Returns NULL on allocation failure. Starts in the reset state. */
struct isa_dma *isa_dma_new(void);
/* System reset: as a master clear on both controllers (all channels masked),
 * page registers zero. */
void isa_dma_reset(struct isa_dma *d);
void isa_dma_free(struct isa_dma *d);

/* DMA1, ports 0x00-0x0F (offset 0-15). */
uint32_t isa_dma1_io_read(void *opaque, uint32_t offset, int size);
void isa_dma1_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
/* DMA2, ports 0xC0-0xDF (offset 0-31; register = offset / 2, so the odd
 * ports alias the even ones as on PIIX3). */
uint32_t isa_dma2_io_read(void *opaque, uint32_t offset, int size);
void isa_dma2_io_write(void *opaque, uint32_t offset, uint32_t value, int size);
/* Page registers 0x81-0x8F (offset 0-14); 0x80 is the POST port. */
uint32_t isa_dma_page_io_read(void *opaque, uint32_t offset, int size);
void isa_dma_page_io_write(void *opaque, uint32_t offset, uint32_t value, int size);

struct state_io;
/* Snapshot state (machine/state_io.h): hash, save and load alike. */
void isa_dma_state_visit(struct isa_dma *d, struct state_io *s);

#endif
