#include "sandbox/run/socket_owner.hpp"

#include "common/unique_fd.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>

namespace hpc::sandbox {
namespace {

// A dump request of every unix socket in a state that can hold a name of its own: listening,
// or bound and unconnected. Connected ones are left out: a connection a server has not accepted
// yet carries the server's name but shows root as its owner.
bool ask_for_bound_sockets(int netlink) {
    struct {
        nlmsghdr header;
        unix_diag_req request;
    } message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.request.sdiag_family = AF_UNIX;
    message.request.udiag_states = (1u << TCP_LISTEN) | (1u << TCP_CLOSE);
    message.request.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_UID;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    return ::sendto(netlink, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) ==
           static_cast<ssize_t>(sizeof message);
}

// The owner one answer reports when it is the stream socket named `wanted` (a NUL, then the
// name). Names of other types are told apart by the kernel: they hold no stream socket's.
std::optional<uid_t> owner_if_named(const nlmsghdr* answer, const std::string& wanted) {
    const auto* socket = static_cast<const unix_diag_msg*>(NLMSG_DATA(answer));
    if (socket->udiag_type != SOCK_STREAM) return std::nullopt;
    int left = static_cast<int>(answer->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof *socket));
    bool named = false;
    std::optional<uid_t> owner;
    for (const auto* attribute = reinterpret_cast<const rtattr*>(socket + 1); RTA_OK(attribute, left);
         attribute = RTA_NEXT(attribute, left)) {
        std::size_t length = RTA_PAYLOAD(attribute);
        if (attribute->rta_type == UNIX_DIAG_NAME)
            named = length == wanted.size() && std::memcmp(RTA_DATA(attribute), wanted.data(), length) == 0;
        else if (attribute->rta_type == UNIX_DIAG_UID && length == sizeof(std::uint32_t))
            owner = *static_cast<const std::uint32_t*>(RTA_DATA(attribute));
    }
    return named ? owner : std::nullopt;
}

}  // namespace

std::optional<uid_t> abstract_socket_owner(const std::string& name) {
    UniqueFd netlink(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    if (!netlink || !ask_for_bound_sockets(netlink.get())) return std::nullopt;
    std::string wanted = std::string(1, '\0') + name;
    std::optional<uid_t> found;
    alignas(nlmsghdr) char buffer[32768];
    for (;;) {
        ssize_t length = ::recv(netlink.get(), buffer, sizeof buffer, 0);
        if (length <= 0) return std::nullopt;
        int left = static_cast<int>(length);
        for (const auto* answer = reinterpret_cast<const nlmsghdr*>(buffer); NLMSG_OK(answer, left);
             answer = NLMSG_NEXT(answer, left)) {
            if (answer->nlmsg_type == NLMSG_DONE) return found;
            if (answer->nlmsg_type == NLMSG_ERROR) return std::nullopt;
            // The whole dump is read, so that the kernel's answer is not left half sent.
            if (!found) found = owner_if_named(answer, wanted);
        }
    }
}

}  // namespace hpc::sandbox
