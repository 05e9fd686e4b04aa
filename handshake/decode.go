package handshake

import (
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// segmentDecoder decodes captured IP packets without allocating per
// packet. It is not safe for concurrent use: the capture's reader owns it.
type segmentDecoder struct {
	ip4     layers.IPv4
	ip6     layers.IPv6
	tcp     layers.TCP
	from4   *gopacket.DecodingLayerParser
	from6   *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newSegmentDecoder() *segmentDecoder {
	d := &segmentDecoder{}
	d.from4 = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &d.ip4, &d.tcp)
	d.from6 = gopacket.NewDecodingLayerParser(layers.LayerTypeIPv6, &d.ip6, &d.tcp)
	// The capture cuts payloads off; TCP's payload is all that can be left.
	d.from4.IgnoreUnsupported = true
	d.from6.IgnoreUnsupported = true
	return d
}

// decode parses data, an IP packet whose link-layer protocol is
// ethertype, into a segment. It reports false for anything but TCP.
func (d *segmentDecoder) decode(data []byte, ethertype uint16) (segment, bool) {
	var parser *gopacket.DecodingLayerParser
	switch layers.EthernetType(ethertype) {
	case layers.EthernetTypeIPv4:
		parser = d.from4
	case layers.EthernetTypeIPv6:
		parser = d.from6
	default:
		return segment{}, false
	}
	// An error after the TCP header (a cut-off payload) does not matter.
	_ = parser.DecodeLayers(data, &d.decoded)
	if !decodedTCP(d.decoded) {
		return segment{}, false
	}
	var src, dst netip.Addr
	if parser == d.from4 {
		src, dst = addrFrom(d.ip4.SrcIP), addrFrom(d.ip4.DstIP)
	} else {
		src, dst = addrFrom(d.ip6.SrcIP), addrFrom(d.ip6.DstIP)
	}
	return segment{
		src:   netip.AddrPortFrom(src, uint16(d.tcp.SrcPort)),
		dst:   netip.AddrPortFrom(dst, uint16(d.tcp.DstPort)),
		flags: tcpFlags(&d.tcp),
		seq:   d.tcp.Seq,
		ack:   d.tcp.Ack,
	}, true
}

func decodedTCP(types []gopacket.LayerType) bool {
	for _, t := range types {
		if t == layers.LayerTypeTCP {
			return true
		}
	}
	return false
}

// addrFrom keeps the family of the packet: an IPv6 packet with an
// IPv4-mapped address is not IPv4 traffic (a socket connected to a mapped
// address sends IPv4 packets), and unmapping it would hand the segment to
// an IPv4 connection the packet never belonged to.
func addrFrom(ip []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a
}

func tcpFlags(t *layers.TCP) uint8 {
	var f uint8
	for _, bit := range []struct {
		set  bool
		flag uint8
	}{{t.FIN, tcpFIN}, {t.SYN, tcpSYN}, {t.RST, tcpRST}, {t.ACK, tcpACK}} {
		if bit.set {
			f |= bit.flag
		}
	}
	return f
}
