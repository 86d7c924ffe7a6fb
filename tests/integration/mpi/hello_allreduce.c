/* The MPI program of the Slurm and MPI tests: each rank prints its rank, the number of ranks and
 * its host, then the ranks sum their numbers with MPI_Allreduce and rank 0 prints the sum. Every
 * rank checks the sum against n(n-1)/2 and exits 1 when it is wrong. With an argument BYTES, the
 * ranks first pass a BYTES-long message around the ring, each checking what it received (this
 * exercises the shared-memory transport's large-message path, CMA between ranks on one node).
 * Built on the host with mpicc, and run both there and in a container of the same Debian. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ring(int rank, int size, long bytes) {
    char *out = malloc(bytes), *in = malloc(bytes);
    if (!out || !in) return 1;
    memset(out, 'a' + rank % 26, bytes);
    int next = (rank + 1) % size, previous = (rank + size - 1) % size;
    MPI_Sendrecv(out, (int)bytes, MPI_CHAR, next, 0, in, (int)bytes, MPI_CHAR, previous, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    int wrong = 0;
    for (long i = 0; i < bytes; i++) wrong |= in[i] != 'a' + previous % 26;
    free(out);
    free(in);
    if (wrong) fprintf(stderr, "rank %d: the %ld bytes from rank %d are wrong\n", rank, bytes, previous);
    return wrong;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size, length;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &length);
    printf("rank %d of %d on %s\n", rank, size, host);
    fflush(stdout);

    int failed = 0;
    if (argc > 1) {
        long bytes = atol(argv[1]);
        failed = bytes > 0 && size > 1 && ring(rank, size, bytes);
        if (!failed && rank == 0) printf("ring of %ld bytes: ok\n", bytes);
    }
    long mine = rank, sum = -1, expected = (long)size * (size - 1) / 2;
    MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) printf("sum %ld expected %ld\n", sum, expected);
    if (sum != expected) {
        fprintf(stderr, "rank %d: MPI_Allreduce gave %ld, not %ld\n", rank, sum, expected);
        failed = 1;
    }
    fflush(stdout);
    MPI_Finalize();
    return failed;
}
