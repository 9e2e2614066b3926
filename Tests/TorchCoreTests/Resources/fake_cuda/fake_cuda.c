/* A stand-in libcuda.so.1 for CUDAFakeDriverTests: the driver API entry points TorchCUDA loads, with one fake
   device whose memory is host memory. Kernels are not run: cuModuleLoadData keeps the image NVRTC produced,
   cuModuleGetFunction checks that the entry point is in it, and cuLaunchKernel checks that the first kernel
   parameter is the address of a live allocation, then appends the kernel's name to $FAKE_CUDA_LOG. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef uint64_t CUdeviceptr;

#define MAX_BLOCKS 4096
static struct { uint64_t address; size_t size; } blocks[MAX_BLOCKS];
static size_t total_allocated = 0;
static const size_t fake_memory = (size_t)1 << 30; /* 1 GiB: larger requests fail with out of memory */

static int live(uint64_t address) {
    for (int i = 0; i < MAX_BLOCKS; i++)
        if (blocks[i].address && address >= blocks[i].address && address < blocks[i].address + blocks[i].size) return 1;
    return 0;
}

static void log_line(const char *text) {
    const char *path = getenv("FAKE_CUDA_LOG");
    if (!path) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    fprintf(f, "%s\n", text);
    fclose(f);
}

CUresult cuInit(unsigned flags) { (void)flags; return 0; }
CUresult cuDriverGetVersion(int *v) { *v = 12040; return 0; }
CUresult cuDeviceGetCount(int *n) { *n = 1; return 0; }
CUresult cuDeviceGet(int *d, int ordinal) { if (ordinal != 0) return 101; *d = 0; return 0; }
CUresult cuDeviceGetName(char *name, int len, int d) { (void)d; snprintf(name, (size_t)len, "Fake GPU"); return 0; }
CUresult cuDeviceGetAttribute(int *v, int attribute, int d) {
    (void)d;
    switch (attribute) {
    case 1: *v = 1024; break;   /* max threads per block */
    case 16: *v = 4; break;     /* multiprocessors */
    case 75: *v = 9; break;     /* compute capability major */
    case 76: *v = 0; break;     /* minor */
    default: *v = 0;
    }
    return 0;
}
CUresult cuDeviceTotalMem_v2(size_t *bytes, int d) { (void)d; *bytes = fake_memory; return 0; }
CUresult cuDevicePrimaryCtxRetain(void **ctx, int d) { (void)d; *ctx = (void *)0x1; return 0; }
CUresult cuCtxSetCurrent(void *ctx) { return ctx ? 0 : 201; }
CUresult cuCtxSynchronize(void) { return 0; }

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t size) {
    if (total_allocated + size > fake_memory) return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (!blocks[i].address) {
            void *m = malloc(size);
            if (!m) return 2;
            blocks[i].address = (uint64_t)(uintptr_t)m;
            blocks[i].size = size;
            total_allocated += size;
            *p = blocks[i].address;
            return 0;
        }
    }
    return 2;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
    for (int i = 0; i < MAX_BLOCKS; i++) {
        if (blocks[i].address == p) {
            free((void *)(uintptr_t)p);
            total_allocated -= blocks[i].size;
            blocks[i].address = 0;
            return 0;
        }
    }
    return 1; /* CUDA_ERROR_INVALID_VALUE */
}
CUresult cuMemGetInfo_v2(size_t *free_bytes, size_t *total) { *free_bytes = fake_memory - total_allocated; *total = fake_memory; return 0; }
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t n, void *s) {
    (void)s;
    if (n && !live(dst)) return 1;
    memcpy((void *)(uintptr_t)dst, src, n);
    return 0;
}
CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t n, void *s) {
    (void)s;
    if (n && !live(src)) return 1;
    memcpy(dst, (const void *)(uintptr_t)src, n);
    return 0;
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t n, void *s) {
    (void)s;
    memcpy((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, n);
    return 0;
}
CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char v, size_t n, void *s) { (void)s; memset((void *)(uintptr_t)dst, v, n); return 0; }

/* Modules: the image's bytes (PTX text or CUBIN), searched for entry names. */
typedef struct { const unsigned char *image; size_t size; } fake_module;
typedef struct { char name[256]; } fake_function;

static size_t image_size(const unsigned char *image) {
    if (image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F') {
        /* ELF64: the section header table ends the file (e_shoff + e_shnum * e_shentsize). */
        uint64_t shoff; uint16_t shentsize, shnum;
        memcpy(&shoff, image + 0x28, 8); memcpy(&shentsize, image + 0x3A, 2); memcpy(&shnum, image + 0x3C, 2);
        return (size_t)(shoff + (uint64_t)shnum * shentsize);
    }
    return strlen((const char *)image);
}

CUresult cuModuleLoadData(void **module, const void *image) {
    fake_module *m = malloc(sizeof *m);
    m->image = image;
    m->size = image_size(image);
    unsigned char *copy = malloc(m->size);
    memcpy(copy, image, m->size);
    m->image = copy;
    *module = m;
    return 0;
}
CUresult cuModuleGetFunction(void **function, void *module, const char *name) {
    fake_module *m = module;
    size_t n = strlen(name);
    for (size_t i = 0; i + n <= m->size; i++) {
        if (memcmp(m->image + i, name, n) == 0 && (i + n == m->size || m->image[i + n] == 0 || m->image[i + n] == '(' || m->image[i + n] == ' ')) {
            fake_function *f = malloc(sizeof *f);
            snprintf(f->name, sizeof f->name, "%s", name);
            *function = f;
            return 0;
        }
    }
    return 500; /* CUDA_ERROR_NOT_FOUND */
}
CUresult cuLaunchKernel(void *function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void *stream, void **params, void **extra) {
    (void)gy; (void)gz; (void)by; (void)bz; (void)shared; (void)stream; (void)extra;
    fake_function *f = function;
    if (!f || !params || gx == 0 || bx == 0 || bx > 1024) return 1;
    uint64_t first;
    memcpy(&first, params[0], 8);
    if (!live(first)) return 1;
    log_line(f->name);
    return 0;
}
CUresult cuStreamCreate(void **s, unsigned flags) { (void)flags; *s = malloc(1); return 0; }
CUresult cuStreamDestroy_v2(void *s) { free(s); return 0; }
CUresult cuStreamSynchronize(void *s) { (void)s; return 0; }
CUresult cuStreamWaitEvent(void *s, void *e, unsigned flags) { (void)s; (void)e; (void)flags; return 0; }
CUresult cuEventCreate(void **e, unsigned flags) { (void)flags; *e = malloc(1); return 0; }
CUresult cuEventDestroy_v2(void *e) { free(e); return 0; }
CUresult cuEventRecord(void *e, void *s) { (void)e; (void)s; return 0; }
CUresult cuEventSynchronize(void *e) { (void)e; return 0; }
CUresult cuEventElapsedTime(float *ms, void *a, void *b) { (void)a; (void)b; *ms = 1.5f; return 0; }
CUresult cuGetErrorName(CUresult code, const char **name) { *name = code == 2 ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUDA_ERROR_FAKE"; return 0; }
CUresult cuGetErrorString(CUresult code, const char **text) { *text = code == 2 ? "out of memory" : "fake driver error"; return 0; }
