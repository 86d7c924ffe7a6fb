/* An OSU-style ping-pong between ranks 0 and 1: for each message size, WARMUP round trips
 * untimed, then ITERATIONS timed. Latency is half the mean round trip; bandwidth is the size over
 * that one-way time. Prints one line per size: "BYTES LATENCY_US BANDWIDTH_MB_S" (MB = 10^6 bytes).
 * Usage: mpirun -n 2 pingpong [ITERATIONS [BYTES...]]   (default: 10000 iterations, 8 and 1048576
 * bytes; large messages get a tenth of the iterations, at least 100) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double one_way_seconds(int rank, char *buffer, int bytes, int iterations) {
    int warmup = iterations / 10 > 10 ? iterations / 10 : 10;
    double start = 0;
    for (int i = 0; i < warmup + iterations; i++) {
        if (i == warmup) {
            MPI_Barrier(MPI_COMM_WORLD);
            start = MPI_Wtime();
        }
        if (rank == 0) {
            MPI_Send(buffer, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(buffer, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            MPI_Recv(buffer, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buffer, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        }
    }
    return (MPI_Wtime() - start) / (2.0 * iterations);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0) fprintf(stderr, "pingpong: needs 2 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 64);
    }
    int iterations = argc > 1 ? atoi(argv[1]) : 10000;
    int default_sizes[] = {8, 1048576};
    int count = argc > 2 ? argc - 2 : 2;
    for (int s = 0; s < count; s++) {
        int bytes = argc > 2 ? atoi(argv[s + 2]) : default_sizes[s];
        int n = bytes >= 65536 ? (iterations / 10 > 100 ? iterations / 10 : 100) : iterations;
        char *buffer = malloc(bytes > 0 ? bytes : 1);
        if (!buffer) MPI_Abort(MPI_COMM_WORLD, 71);
        memset(buffer, rank, bytes);
        double seconds = one_way_seconds(rank, buffer, bytes, n);
        if (rank == 0) printf("%d %.3f %.1f\n", bytes, seconds * 1e6, bytes / seconds / 1e6);
        fflush(stdout);
        free(buffer);
    }
    MPI_Finalize();
    return 0;
}
