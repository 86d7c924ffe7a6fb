/* An OSU-style allreduce: for each message size, WARMUP allreduces untimed, then ITERATIONS
 * timed, of floats summed across all ranks. The latency is the slowest rank's mean time per
 * allreduce. Prints one line per size: "BYTES LATENCY_US".
 * Usage: srun ... allreduce [ITERATIONS [BYTES...]]   (default: 2000 iterations, 8 and 1048576
 * bytes; large messages get a tenth of the iterations, at least 50) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static double mean_seconds(float *in, float *out, int count, int iterations) {
    int warmup = iterations / 10 > 5 ? iterations / 10 : 5;
    for (int i = 0; i < warmup; i++) MPI_Allreduce(in, out, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    double start = MPI_Wtime();
    for (int i = 0; i < iterations; i++) MPI_Allreduce(in, out, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    double mine = (MPI_Wtime() - start) / iterations, slowest = 0;
    MPI_Reduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    return slowest;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int iterations = argc > 1 ? atoi(argv[1]) : 2000;
    int default_sizes[] = {8, 1048576};
    int count = argc > 2 ? argc - 2 : 2;
    for (int s = 0; s < count; s++) {
        int bytes = argc > 2 ? atoi(argv[s + 2]) : default_sizes[s];
        int floats = bytes / (int)sizeof(float) > 0 ? bytes / (int)sizeof(float) : 1;
        int n = bytes >= 65536 ? (iterations / 10 > 50 ? iterations / 10 : 50) : iterations;
        float *in = malloc(sizeof(float) * floats), *out = malloc(sizeof(float) * floats);
        if (!in || !out) MPI_Abort(MPI_COMM_WORLD, 71);
        for (int i = 0; i < floats; i++) in[i] = (float)rank;
        double seconds = mean_seconds(in, out, floats, n);
        if (rank == 0) printf("%d %.3f\n", bytes, seconds * 1e6);
        fflush(stdout);
        free(in);
        free(out);
    }
    MPI_Finalize();
    return 0;
}
