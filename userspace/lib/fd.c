// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdmaadd - passing a descriptor (a dma-buf) over a unix socket with
 * SCM_RIGHTS, the way to share a buffer with another process.
 *
 * Copyright (C) 2026 The dmaadd authors
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "internal.h"

/* The one data byte each descriptor travels with (SCM_RIGHTS needs one). */
#define DMAADD_FD_MARK 'D'

/*
 * Room for a few descriptors and credentials, so that a peer sending more
 * than one, or SO_PASSCRED, does not truncate the control data: whatever
 * arrives is then seen, and closed if it is not ours to keep.
 */
#define DMAADD_FD_RECV_MAX 8
#define DMAADD_FD_CONTROL_LEN \
	(CMSG_SPACE(DMAADD_FD_RECV_MAX * sizeof(int)) + \
	 CMSG_SPACE(sizeof(struct ucred)))

DMAADD_API int dmaadd_fd_send(int sock, int fd)
{
	char mark = DMAADD_FD_MARK;
	struct iovec iov = {
		.iov_base = &mark,
		.iov_len = 1,
	};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&control, 0, sizeof(control));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(fd));

	/* Nothing is sent when interrupted, so retrying is exact. */
	do {
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);

	return n < 0 ? -1 : 0;
}

DMAADD_API int dmaadd_fd_recv(int sock)
{
	char mark;
	struct iovec iov = {
		.iov_base = &mark,
		.iov_len = 1,
	};
	union {
		struct cmsghdr align;
		char buf[DMAADD_FD_CONTROL_LEN];
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	bool extra = false;
	int fd = -1;
	ssize_t n;

	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;

	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		size_t i, count;
		int got;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&got, CMSG_DATA(cmsg) + i * sizeof(int),
			       sizeof(got));
			if (fd < 0) {
				fd = got;
			} else {
				close(got);
				extra = true;
			}
		}
	}

	if (extra || (msg.msg_flags & MSG_CTRUNC)) {
		if (fd >= 0)
			close(fd);
		errno = EBADMSG;
		return -1;
	}
	if (fd < 0) {
		errno = ENOMSG;
		return -1;
	}
	return fd;
}
