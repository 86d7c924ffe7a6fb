// bench/gpu's payload: adds two vectors of 1 Mi floats on GPU 0 and checks every sum on the host.
// Most of a launch is CUDA's start (the driver opened, a context made), which is what --nv must
// not slow down. Prints one line: the device and how many sums were wrong; exits 1 on any error.
#include <cstdio>
#include <vector>
#include <cuda_runtime.h>

#define CHECK(call)                                                                   \
    do {                                                                              \
        cudaError_t status_ = (call);                                                 \
        if (status_ != cudaSuccess) {                                                 \
            std::fprintf(stderr, "vadd: %s: %s\n", #call, cudaGetErrorString(status_)); \
            return 1;                                                                 \
        }                                                                             \
    } while (0)

__global__ void add(const float* x, const float* y, float* sum, int count) {
    int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index < count) sum[index] = x[index] + y[index];
}

int main() {
    const int count = 1 << 20;
    const size_t bytes = count * sizeof(float);
    std::vector<float> x(count), y(count), sum(count);
    for (int i = 0; i < count; ++i) {
        x[i] = float(i);
        y[i] = float(2 * i);
    }
    cudaDeviceProp device;
    CHECK(cudaGetDeviceProperties(&device, 0));
    float *device_x, *device_y, *device_sum;
    CHECK(cudaMalloc(&device_x, bytes));
    CHECK(cudaMalloc(&device_y, bytes));
    CHECK(cudaMalloc(&device_sum, bytes));
    CHECK(cudaMemcpy(device_x, x.data(), bytes, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(device_y, y.data(), bytes, cudaMemcpyHostToDevice));
    add<<<(count + 255) / 256, 256>>>(device_x, device_y, device_sum, count);
    CHECK(cudaGetLastError());
    CHECK(cudaMemcpy(sum.data(), device_sum, bytes, cudaMemcpyDeviceToHost));
    int wrong = 0;
    for (int i = 0; i < count; ++i) wrong += sum[i] != float(3 * i);
    std::printf("%s (compute %d.%d): %d of %d sums wrong\n", device.name, device.major, device.minor, wrong, count);
    return wrong != 0;
}
