/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory formats of the dmaadd device: what the hardware reads and writes.
 *
 * The driver hands the device nothing but the device (DMA) address of a job
 * descriptor. The descriptor names, per operand, a segment table: an array
 * of device-contiguous ranges that the device walks as one byte stream.
 * All of it lives in memory the device reaches through its DMA addresses
 * only, all little-endian.
 */
#ifndef __DMAADD_HW_H__
#define __DMAADD_HW_H__

#include <linux/types.h>

/**
 * struct dmaadd_hw_seg - one device-contiguous range
 * @addr: device address of the first byte
 * @len: length in bytes
 */
struct dmaadd_hw_seg {
	__le64 addr;
	__le64 len;
};

/**
 * struct dmaadd_hw_operand - one array of a job
 * @segs: device address of a &struct dmaadd_hw_seg array
 * @nsegs: entries in that array
 * @rsvd: zero
 * @offset: byte offset of element 0 into the concatenated segments
 */
struct dmaadd_hw_operand {
	__le64 segs;
	__le32 nsegs;
	__le32 rsvd;
	__le64 offset;
};

#define DMAADD_HW_OP_ADD_I32	1

#define DMAADD_HW_STATUS_PENDING	0
#define DMAADD_HW_STATUS_DONE		1
#define DMAADD_HW_STATUS_FAULT		2
#define DMAADD_HW_STATUS_INVALID	3

#define DMAADD_HW_OP_A	0
#define DMAADD_HW_OP_B	1
#define DMAADD_HW_OP_C	2
#define DMAADD_HW_NR_OPS	3

/**
 * struct dmaadd_hw_desc - a job descriptor
 * @opcode: DMAADD_HW_OP_*
 * @status: written by the device when it is done with the descriptor
 * @count: number of elements
 * @op: operands a, b (inputs) and c (output)
 */
struct dmaadd_hw_desc {
	__le32 opcode;
	__le32 status;
	__le64 count;
	struct dmaadd_hw_operand op[DMAADD_HW_NR_OPS];
};

#endif /* __DMAADD_HW_H__ */
