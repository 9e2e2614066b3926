#ifndef CTORCHCUDAREGISTRATION_H
#define CTORCHCUDAREGISTRATION_H
/* Installs TorchCUDA's backend registrar into TorchCore's hook when the program loads (a pointer store only:
   nothing CUDA is loaded until a tensor is first put on a CUDA device). */
void st_cuda_registration_anchor(void);
#endif
