/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vgem, the virtual GEM driver, as a foreign dma-buf exporter and importer
 * and as a source of fences nobody signals until the test says so.
 * Include after dmaadd_test.h (it needs the harness).
 */
#ifndef __DMAADD_VGEM_H
#define __DMAADD_VGEM_H

#include <linux/dma-buf.h>
#include <drm.h>
#include <drm_mode.h>

/* include/uapi/drm/vgem_drm.h, which libdrm-dev does not ship. */
#define DRM_VGEM_FENCE_ATTACH	0x1
#define DRM_VGEM_FENCE_SIGNAL	0x2
#define VGEM_FENCE_WRITE	0x1

struct drm_vgem_fence_attach {
	__u32 handle;
	__u32 flags;
	__u32 out_fence;
	__u32 pad;
};

struct drm_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define DRM_IOCTL_VGEM_FENCE_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_VGEM_FENCE_ATTACH, \
		 struct drm_vgem_fence_attach)
#define DRM_IOCTL_VGEM_FENCE_SIGNAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_VGEM_FENCE_SIGNAL, \
		struct drm_vgem_fence_signal)

/* The vgem DRM device, or -1. */
static inline int vgem_open(void)
{
	char path[32], name[16];
	struct drm_version v;
	unsigned int n;
	int fd;

	for (n = 0; n < 16; n++) {
		snprintf(path, sizeof(path), "/dev/dri/card%u", n);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "vgem"))
			return fd;
		close(fd);
	}
	return -1;
}

#define require_vgem(_fd)						\
	({								\
		(_fd) = vgem_open();					\
		if ((_fd) < 0)						\
			SKIP(return, "no vgem device in /dev/dri");	\
	})

/* A vgem dumb buffer of @rows pages (one row of 4-byte pixels a page). */
struct vgem_bo {
	__u32 handle;
	__u64 size;
	__u32 *map;
};

static inline int vgem_bo_create(int vgem, __u32 rows, struct vgem_bo *bo)
{
	struct drm_mode_create_dumb create = {
		.height = rows,
		.width = (__u32)(dmaadd_page_size() / 4),
		.bpp = 32,
	};
	struct drm_mode_map_dumb map = { 0 };
	void *p;

	if (ioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &create))
		return -1;
	bo->handle = create.handle;
	bo->size = create.size;
	map.handle = create.handle;
	if (ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map))
		return -1;
	p = mmap(NULL, bo->size, PROT_READ | PROT_WRITE, MAP_SHARED, vgem,
		 map.offset);
	if (p == MAP_FAILED)
		return -1;
	bo->map = p;
	return 0;
}

static inline int prime_handle_to_fd(int drm, __u32 handle)
{
	struct drm_prime_handle args = {
		.handle = handle,
		.flags = DRM_CLOEXEC | DRM_RDWR,
		.fd = -1,
	};

	if (ioctl(drm, DRM_IOCTL_PRIME_HANDLE_TO_FD, &args))
		return -1;
	return args.fd;
}

static inline int prime_fd_to_handle(int drm, int fd, __u32 *handle)
{
	struct drm_prime_handle args = { .fd = fd };

	if (ioctl(drm, DRM_IOCTL_PRIME_FD_TO_HANDLE, &args))
		return -1;
	*handle = args.handle;
	return 0;
}

/*
 * Attach an unsignalled fence to a vgem buffer's reservation object, as a
 * writer (@write) or a reader; vgem signals it after 10 s at the latest.
 * Returns the fence id for vgem_fence_signal(), or -1.
 */
static inline int vgem_fence_attach(int vgem, __u32 handle, int write)
{
	struct drm_vgem_fence_attach args = {
		.handle = handle,
		.flags = write ? VGEM_FENCE_WRITE : 0,
	};

	if (ioctl(vgem, DRM_IOCTL_VGEM_FENCE_ATTACH, &args))
		return -1;
	return (int)args.out_fence;
}

static inline int vgem_fence_signal(int vgem, int fence)
{
	struct drm_vgem_fence_signal args = { .fence = (__u32)fence };

	return ioctl(vgem, DRM_IOCTL_VGEM_FENCE_SIGNAL, &args);
}

/*
 * The fences of a dma-buf's reservation object that a writer (@write) or a
 * reader must wait for, as a sync_file fd; -1 on error.
 */
static inline int dmabuf_export_sync_file(int dmabuf, int write)
{
	struct dma_buf_export_sync_file args = {
		.flags = write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ,
		.fd = -1,
	};

	if (ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &args))
		return -1;
	return args.fd;
}

#endif /* __DMAADD_VGEM_H */
