package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.bus.BackendDriver;
import io.xensim.xenbus.bus.FrontendDriver;
import io.xensim.xenbus.ring.RingSize;
import io.xensim.xenbus.ring.RingType;
import io.xensim.xenbus.ring.SlotLayout;

/**
 * The echo device type, its ring type, its xenstore keys and its two drivers. The keys follow blkif's where the
 * idea is the same ({@code max-ring-page-order}, {@code ring-page-order}, {@code ring-ref} or
 * {@code ring-ref0..N}, {@code event-channel}, {@code protocol}).
 */
public final class EchoDrivers {
    /** The device type: {@code /local/domain/<domid>/device/echo/<devid>}. */
    public static final String TYPE = "echo";
    /** Backend, "1": the backend echoes (the feature the frontend reads before setting up). */
    public static final String FEATURE_KEY = "feature-echo";
    /** Backend: the largest ring it maps, as log2(pages); absent means 0 (one page). */
    public static final String MAX_RING_PAGE_ORDER = "max-ring-page-order";
    /** Backend, written by the toolstack at any time: added to every value echoed; absent means 0. */
    public static final String OFFSET_KEY = "echo-offset";
    /** Frontend: the ring's size as log2(pages); written only for a multi-page ring, as blkfront does. */
    public static final String RING_PAGE_ORDER = "ring-page-order";
    /** Frontend: the grant ref of a one-page ring. */
    public static final String RING_REF = "ring-ref";
    /** Frontend: the ring's event channel. */
    public static final String EVENT_CHANNEL = "event-channel";
    /** Frontend: the ABI of the ring structs. */
    public static final String PROTOCOL = "protocol";
    /** The one ABI the echo ring has. */
    public static final String PROTOCOL_X86_64 = "x86_64-abi";

    /** {@code DEFINE_RING_TYPES(echo, struct echo_request, struct echo_response)}. */
    public static final RingType<EchoRequest, EchoResponse> RING = RingType.of("echo",
            SlotLayout.of("echo_request", EchoRequest.LENGTH, EchoRequest::encode, EchoRequest::decode),
            SlotLayout.of("echo_response", EchoResponse.LENGTH, EchoResponse::encode, EchoResponse::decode));

    /** The {@value #MAX_RING_PAGE_ORDER} the backend offers by default (4 pages). */
    public static final int DEFAULT_MAX_RING_PAGE_ORDER = 2;

    private EchoDrivers() {
    }

    /** {@code ring-ref<i>}: the grant ref of page {@code i} of a multi-page ring. */
    public static String ringRef(int i) {
        return RING_REF + i;
    }

    /** A frontend that asks for a one-page ring. */
    public static FrontendDriver frontend() {
        return frontend(0);
    }

    /**
     * A frontend that asks for a ring of {@code 2^ringPageOrder} pages, or the backend's maximum if that is
     * smaller (blkfront's {@code max_ring_page_order} module parameter).
     */
    public static FrontendDriver frontend(int ringPageOrder) {
        checkOrder(ringPageOrder);
        return FrontendDriver.of(TYPE, device -> new EchoFrontend(device, ringPageOrder));
    }

    /** A backend that offers {@link #DEFAULT_MAX_RING_PAGE_ORDER}. */
    public static BackendDriver backend() {
        return backend(DEFAULT_MAX_RING_PAGE_ORDER);
    }

    /** A backend that maps rings of up to {@code 2^maxRingPageOrder} pages. */
    public static BackendDriver backend(int maxRingPageOrder) {
        checkOrder(maxRingPageOrder);
        return BackendDriver.of(TYPE, device -> new EchoBackend(device, maxRingPageOrder));
    }

    private static void checkOrder(int order) {
        if (order < 0 || order > RingSize.MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("ringPageOrder: " + order + " (expected: 0.."
                    + RingSize.MAX_RING_PAGE_ORDER + ")");
        }
    }
}
