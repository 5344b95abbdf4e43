/* DHCP client for the first stage.
 *
 * Socket choice: AF_PACKET / SOCK_DGRAM bound to the one interface. The
 * interface has no IPv4 address yet, so an ordinary UDP socket depends on
 * kernel corner cases to send from 0.0.0.0 and, worse, drops a server's
 * unicast reply to an address that is not ours yet. A packet socket sees
 * every IPv4 frame the link delivers to our MAC or to broadcast, and the
 * kernel still adds the Ethernet header (SOCK_DGRAM) for us; we write the
 * IPv4 and UDP headers ourselves (dhcp_frame_build) and check them on the
 * way in (dhcp_frame_parse). A classic BPF filter keeps everything except
 * UDP to port 68 out of our queue; the user-space checks do not rely on it.
 *
 * Timing: each attempt has dhcp_timeout_ms. Within it, a message is resent
 * after 1 s, then 2, 4, 8 s (capped), each +-1/8 random jitter so a rack of
 * VMs booting together does not stay in step (RFC 2131 4.1 uses 4..64 s;
 * ours are shorter because the whole attempt is bounded). A REQUEST that
 * goes unanswered four times, or a NAK, sends us back to DISCOVER with a new
 * transaction id. After a failed attempt the next starts from scratch.
 */
#include "dhcp_client.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include "clock.h"
#include "log.h"
#include "net_link.h"

#define RTO_INITIAL_MS 1000u
#define RTO_MAX_MS 8000u
#define REQUEST_MAX_SENDS 4u
#define NAK_PAUSE_MS 200u
/* Logged reasons for dropped packets per attempt; the rest are only counted. */
#define IGNORED_LOG_MAX 5u

enum dhcp_state { SELECTING, REQUESTING };

struct session {
	const struct dhcp_params *p;
	int fd;
	uint32_t rng;
	uint32_t xid;
	enum dhcp_state state;
	uint32_t offered_ip, server_id;
	uint64_t attempt_start;
	unsigned sends_in_state;
	uint32_t rto_ms;
	unsigned ignored;
	int send_errno; /* last send failure, for the final error message */
};

/* ---- randomness (xid and jitter need to be unpredictable-ish, not secret) -- */

static uint32_t rng_next(uint32_t *s)
{
	/* xorshift32: only spreads the seed; the seed carries the entropy. */
	uint32_t x = *s ? *s : 0x9e3779b9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static uint32_t rng_seed(const uint8_t mac[6])
{
	uint32_t seed = 0;
	/* NONBLOCK: at this point of boot the pool may not be ready, and an xid
	 * does not justify waiting for it. The fallback still differs per VM
	 * (MAC) and per boot (time). */
	if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed && seed != 0)
		return seed;
	seed = (uint32_t)boottime_ms() * 2654435761u;
	for (int i = 0; i < 6; i++)
		seed = (seed ^ mac[i]) * 16777619u;
	return seed ? seed : 1;
}

/* ---- socket ---------------------------------------------------------------- */

/* Accept IPv4/UDP, unfragmented, to port 68 (offsets are from the IP header,
 * which is where a SOCK_DGRAM packet socket's data starts). */
static const struct sock_filter udp68_filter[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),                 /* 0: A = IP protocol */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),         /* 1: UDP? else drop */
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),                 /* 2: A = flags/fragment offset */
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),    /* 3: MF or offset: drop */
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),                /* 4: X = IP header length */
	BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),                 /* 5: A = UDP destination port */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, DHCP_CLIENT_PORT, 0, 1), /* 6 */
	BPF_STMT(BPF_RET | BPF_K, 0xffff),                     /* 7: accept whole packet */
	BPF_STMT(BPF_RET | BPF_K, 0),                          /* 8: drop */
};

static int open_socket(const struct dhcp_params *p, char *err, size_t err_len)
{
	/* Protocol 0 until bind: an unbound ETH_P_IP socket would queue IPv4
	 * from every interface in the window before the filter and bind. */
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, err_len, "packet socket: %s", strerror(errno));
		return -1;
	}
	struct sock_fprog prog = {
		.len = sizeof udp68_filter / sizeof udp68_filter[0],
		.filter = (struct sock_filter *)udp68_filter,
	};
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog) != 0)
		log_debug("net: no socket filter on %s (%s); filtering in user space only", p->ifname, strerror(errno));
	/* Tells us when a checksum is left to hardware offload (veth, some
	 * virtio setups) so we do not reject such packets as corrupt. */
	int one = 1;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) != 0)
		log_debug("net: no PACKET_AUXDATA (%s)", strerror(errno));
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = p->ifindex,
	};
	if (bind(fd, (struct sockaddr *)&ll, sizeof ll) != 0) {
		snprintf(err, err_len, "bind packet socket to %s: %s", p->ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void send_message(struct session *s, enum dhcp_msg_type type, uint64_t now)
{
	uint8_t msg[DHCP_BUILD_MAX], frame[DHCP_BUILD_MAX + DHCP_FRAME_OVERHEAD];
	uint64_t secs = (now - s->attempt_start) / 1000u;
	struct dhcp_request rq = {
		.type = type,
		.xid = s->xid,
		.secs = secs > 0xffff ? 0xffff : (uint16_t)secs,
		/* In SELECTING the REQUEST names the chosen offer (RFC 2131 4.3.2). */
		.requested_ip = type == DHCP_REQUEST ? s->offered_ip : 0,
		.server_id = type == DHCP_REQUEST ? s->server_id : 0,
	};
	memcpy(rq.mac, s->p->mac, 6);
	size_t n = dhcp_build(msg, sizeof msg, &rq);
	size_t fl = n ? dhcp_frame_build(frame, sizeof frame, 0, 0xffffffffu, DHCP_CLIENT_PORT, DHCP_SERVER_PORT,
					 (uint16_t)rng_next(&s->rng), msg, n)
		      : 0;
	if (fl == 0) { /* cannot happen with our fixed sizes; never send garbage */
		s->send_errno = EINVAL;
		return;
	}
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = s->p->ifindex,
		.sll_halen = 6,
		.sll_addr = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	};
	ssize_t w;
	do
		w = sendto(s->fd, frame, fl, 0, (struct sockaddr *)&to, sizeof to);
	while (w < 0 && errno == EINTR);
	if (w != (ssize_t)fl) {
		/* Transient (ENOBUFS, link flapping): the retransmit timer tries again. */
		s->send_errno = w < 0 ? errno : EIO;
		log_debug("net: dhcp send on %s failed: %s", s->p->ifname, strerror(s->send_errno));
		return;
	}
	log_debug("net: dhcp %s on %s (xid %08x, secs %u)", type == DHCP_DISCOVER ? "DISCOVER" : "REQUEST",
		  s->p->ifname, s->xid, (unsigned)rq.secs);
}

static void ignore(struct session *s, const char *why)
{
	if (s->ignored++ < IGNORED_LOG_MAX)
		log_debug("net: dhcp ignored a packet on %s: %s", s->p->ifname, why);
}

/* Waits until `until` for one acceptable reply. Returns 1 with it in rep, 0 on
 * timeout, -1 on a socket error. */
static int receive_reply(struct session *s, uint64_t until, struct dhcp_reply *rep, char *err, size_t err_len)
{
	static uint8_t pkt[2048];
	for (;;) {
		uint64_t now = boottime_ms();
		if (now >= until)
			return 0;
		uint64_t left = until - now;
		struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
		int r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, err_len, "poll: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			return 0;

		struct sockaddr_ll from;
		union {
			struct cmsghdr align;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct iovec iov = {.iov_base = pkt, .iov_len = sizeof pkt};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof from,
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof ctl.buf,
		};
		ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == ENETDOWN))
			continue;
		if (n < 0) {
			snprintf(err, err_len, "receive: %s", strerror(errno));
			return -1;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			ignore(s, "larger than our buffer");
			continue;
		}
		if (mh.msg_namelen >= sizeof from && from.sll_pkttype == PACKET_OUTGOING)
			continue; /* our own DISCOVER/REQUEST, looped back to packet sockets */

		int csum_not_ready = 0;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		if (c && !(mh.msg_flags & MSG_CTRUNC) && c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct tpacket_auxdata))) {
			struct tpacket_auxdata aux;
			memcpy(&aux, CMSG_DATA(c), sizeof aux);
			csum_not_ready = (aux.tp_status & TP_STATUS_CSUMNOTREADY) != 0;
		}

		struct dhcp_frame fr;
		const char *why = dhcp_frame_parse(pkt, (size_t)n, csum_not_ready, &fr);
		if (!why)
			why = dhcp_parse(fr.payload, fr.payload_len, s->xid, s->p->mac, rep);
		if (why) {
			ignore(s, why);
			continue;
		}
		return 1;
	}
}

static void restart_discover(struct session *s)
{
	s->state = SELECTING;
	s->xid = rng_next(&s->rng);
	s->offered_ip = s->server_id = 0;
	s->sends_in_state = 0;
	s->rto_ms = RTO_INITIAL_MS;
}

/* Interval before the next retransmission, then doubles the base. */
static uint32_t next_interval(struct session *s)
{
	uint32_t base = s->rto_ms, spread = base / 4u; /* +-1/8 */
	uint32_t wait = base - spread / 2u + rng_next(&s->rng) % (spread + 1u);
	s->rto_ms = base >= RTO_MAX_MS / 2u ? RTO_MAX_MS : base * 2u;
	return wait;
}

static int run_attempt(struct session *s, struct dhcp_reply *ack, char *err, size_t err_len)
{
	s->attempt_start = boottime_ms();
	uint64_t deadline = s->attempt_start + s->p->timeout_ms, next_send = s->attempt_start;
	s->ignored = 0;
	s->send_errno = 0;
	restart_discover(s);
	char a[16], b[16];
	for (;;) {
		uint64_t now = boottime_ms();
		if (now >= deadline) {
			snprintf(err, err_len, "no %s within %u ms%s%s", s->state == SELECTING ? "OFFER" : "ACK",
				 s->p->timeout_ms, s->send_errno ? "; last send failed: " : "",
				 s->send_errno ? strerror(s->send_errno) : "");
			if (s->ignored)
				log_debug("net: dhcp ignored %u packets in this attempt", s->ignored);
			return -1;
		}
		if (now >= next_send) {
			if (s->state == REQUESTING && s->sends_in_state >= REQUEST_MAX_SENDS) {
				log_info("net: dhcp server did not answer our REQUEST, starting over");
				restart_discover(s);
			}
			send_message(s, s->state == SELECTING ? DHCP_DISCOVER : DHCP_REQUEST, now);
			s->sends_in_state++;
			next_send = now + next_interval(s);
		}

		struct dhcp_reply rep;
		int r = receive_reply(s, next_send < deadline ? next_send : deadline, &rep, err, err_len);
		if (r < 0)
			return -1;
		if (r == 0)
			continue;

		if (s->state == SELECTING && rep.type == DHCP_OFFER) {
			s->offered_ip = rep.yiaddr;
			s->server_id = rep.server_id;
			net_ip4_text(rep.yiaddr, a, sizeof a);
			net_ip4_text(rep.server_id, b, sizeof b);
			log_debug("net: dhcp OFFER of %s from %s", a, b);
			s->state = REQUESTING;
			s->sends_in_state = 0;
			s->rto_ms = RTO_INITIAL_MS;
			next_send = boottime_ms(); /* REQUEST at once, same xid */
		} else if (s->state == REQUESTING && rep.type == DHCP_ACK) {
			if (rep.server_id != s->server_id) {
				ignore(s, "ACK from a server we did not choose");
				continue;
			}
			*ack = rep;
			return 0;
		} else if (s->state == REQUESTING && rep.type == DHCP_NAK) {
			/* A NAK need not name its server (slirp's does not); one that
			 * names another server is about someone else's choice. */
			if (rep.server_id != 0 && rep.server_id != s->server_id) {
				ignore(s, "NAK from a server we did not choose");
				continue;
			}
			net_ip4_text(s->offered_ip, a, sizeof a);
			log_warn("net: dhcp NAK for %s on %s (%s), starting over", a, s->p->ifname,
				 rep.message[0] ? rep.message : "no reason given");
			restart_discover(s);
			next_send = boottime_ms() + NAK_PAUSE_MS;
		} else {
			ignore(s, "reply does not fit the current state");
		}
	}
}

int dhcp_acquire(const struct dhcp_params *p, struct dhcp_reply *ack, char *err, size_t err_len)
{
	memset(ack, 0, sizeof *ack);
	if (p->attempts == 0 || p->timeout_ms == 0) {
		snprintf(err, err_len, "dhcp needs at least one attempt and a non-zero timeout");
		return -1;
	}
	struct session s = {.p = p, .rng = rng_seed(p->mac)};
	s.fd = open_socket(p, err, err_len);
	if (s.fd < 0)
		return -1;
	char last[160] = "";
	int rc = -1;
	for (unsigned attempt = 1; attempt <= p->attempts; attempt++) {
		if (run_attempt(&s, ack, last, sizeof last) == 0) {
			rc = 0;
			break;
		}
		log_warn("net: dhcp attempt %u/%u on %s failed: %s", attempt, p->attempts, p->ifname, last);
	}
	close(s.fd);
	if (rc != 0)
		snprintf(err, err_len, "no DHCP lease on %s after %u attempts (last: %s)", p->ifname, p->attempts, last);
	return rc;
}
