/* LD_PRELOAD fault injector for the read-only data directory test.
 *
 * Linux refuses to remount a filesystem read-only while a process holds files on it open for
 * writing (EBUSY), and an ext4 error-remount cannot be undone without unmounting, so a running
 * syncmond cannot be shown a data directory that turns read-only and back by mounting alone.
 * This shim does what such a filesystem does to the process: while the file named by
 * $SYNCMON_FAULT_FLAG exists, every write, sync, truncate or create under $SYNCMON_FAULT_DIR
 * fails with EROFS. Without the flag file, calls pass through unchanged. Test use only. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int fault_active(void) {
  const char* flag = getenv("SYNCMON_FAULT_FLAG");
  return flag != NULL && access(flag, F_OK) == 0;
}

static int under_fault_dir(const char* path) {
  const char* dir = getenv("SYNCMON_FAULT_DIR");
  return dir != NULL && path != NULL && strncmp(path, dir, strlen(dir)) == 0;
}

static int fd_faulted(int fd) {
  if (!fault_active()) {
    return 0;
  }
  char link[64];
  char target[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) {
    return 0;
  }
  target[n] = '\0';
  return under_fault_dir(target);
}

#define REAL(name) \
  static __typeof__(&name) real_##name; \
  if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

ssize_t write(int fd, const void* buf, size_t count) {
  REAL(write);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_write(fd, buf, count);
}

ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  REAL(pwrite);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_pwrite(fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  REAL(pwrite64);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_pwrite64(fd, buf, count, offset);
}

ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  REAL(writev);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_writev(fd, iov, iovcnt);
}

int fsync(int fd) {
  REAL(fsync);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_fsync(fd);
}

int fdatasync(int fd) {
  REAL(fdatasync);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_fdatasync(fd);
}

int ftruncate(int fd, off_t length) {
  REAL(ftruncate);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off64_t length) {
  REAL(ftruncate64);
  if (fd_faulted(fd)) { errno = EROFS; return -1; }
  return real_ftruncate64(fd, length);
}

static int opens_for_writing(int flags) { return (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0; }

int open64(const char* path, int flags, ...) {
  REAL(open64);
  mode_t mode = 0;
  if (flags & O_CREAT) { va_list args; va_start(args, flags); mode = va_arg(args, mode_t); va_end(args); }
  if (opens_for_writing(flags) && fault_active() && under_fault_dir(path)) { errno = EROFS; return -1; }
  return real_open64(path, flags, mode);
}

int open(const char* path, int flags, ...) {
  REAL(open);
  mode_t mode = 0;
  if (flags & O_CREAT) { va_list args; va_start(args, flags); mode = va_arg(args, mode_t); va_end(args); }
  if (opens_for_writing(flags) && fault_active() && under_fault_dir(path)) { errno = EROFS; return -1; }
  return real_open(path, flags, mode);
}
