#include "CTorchCUDARegistration.h"
#include "CTorchKernels.h"

/* Defined by TorchCUDA (Swift, @_cdecl): registers the CUDA backend when a device is found. */
extern int swifttorch_register_cuda_backend(void);

__attribute__((constructor)) static void st_install_cuda_registrar(void) {
    st_set_device_registrar(swifttorch_register_cuda_backend);
}

/* Referenced from Swift so that the linker keeps this object. */
void st_cuda_registration_anchor(void) {}
