import Curl
import Testing

@Suite("CurlHandles: a pool of reusable easy handles")
struct CurlHandlesTests {
    @Test("a handle given back is the one the next transfer gets; one in use is never handed out twice")
    func reuse() throws {
        let handles = CurlHandles(configuration: CurlConfiguration())
        let first = try handles.withHandle { ObjectIdentifier($0) }
        let again = try handles.withHandle { ObjectIdentifier($0) }
        #expect(first == again, "the idle handle is reused (its connections stay alive)")
        let (outer, inner) = try handles.withHandle { outer in
            (ObjectIdentifier(outer), try handles.withHandle { ObjectIdentifier($0) })
        }
        #expect(outer != inner, "a handle in use is not shared")
    }
}
