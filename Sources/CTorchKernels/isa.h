/* The instruction set the kernels of this library use on the calling thread (private to CTorchKernels). */
#ifndef CTORCHKERNELS_ISA_H
#define CTORCHKERNELS_ISA_H

enum { ST_ISA_PORTABLE = 0, ST_ISA_AVX2 = 1, ST_ISA_AVX512 = 2 };

/* The detected level, or the one st_force_isa chose for this thread. */
int st_isa_level(void);

#endif
