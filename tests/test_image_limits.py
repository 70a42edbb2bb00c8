"""Hostile image references: every read is bounded in time, bytes and pixels, and confined to the allowed folders,
schemes and addresses; each refusal is a quarantine reason, never a hang or a crash."""

import contextlib
import datetime
import ipaddress
import os
import socket
import ssl
import struct
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest
from conftest import dress_concept, jpeg

from kgbuild import images, pipeline
from kgbuild.images import ImagePolicy
from kgbuild.settings import Settings
from kgbuild.workdir import Layout, read_parquet

PRIVATE_OK = Settings(allow_private_urls=True)
HOUR = datetime.timedelta(hours=1)


def png_bomb(width: int, height: int) -> bytes:
    """A valid all-black 1-bit PNG of ``width`` x ``height`` pixels, a few hundred kB at most on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes(1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    rows = b"".join(compressor.compress(row * 1000) for _ in range(height // 1000))
    rows += compressor.compress(row * (height % 1000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def refusal(uri: str, policy: ImagePolicy | None = None) -> str:
    with pytest.raises(ValueError) as error:
        images.read_image(uri, policy)
    return str(error.value)


class Handler(BaseHTTPRequestHandler):
    """Routes of the loopback test server; ``port`` is set on the class when the server starts."""

    port = 0

    def do_GET(self) -> None:
        if self.path == "/x.jpg":
            self._answer(200, jpeg())
        elif self.path.startswith("/go/"):  # /go/<where>: a redirect
            where = self.path.removeprefix("/go/")
            targets = {
                "image": "/x.jpg",
                "file": "file:///etc/passwd",
                "ftp": "ftp://example.com/x.jpg",
                "unspecified": f"http://0.0.0.0:{self.port}/x.jpg",
                "loop": "/go/loop",
            }
            self._answer(302, b"", {"Location": targets[where]})
        elif self.path == "/chunked":  # no Content-Length: the size shows only while reading
            self._answer(200, None, {"Transfer-Encoding": "chunked"})
            for _ in range(10):
                self.wfile.write(b"400\r\n" + b"\xff" * 1024 + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/trickle":  # a byte every 0.2 s: each read is quick, the whole never ends
            self._answer(200, None, {"Content-Length": "1000"})
            with contextlib.suppress(ConnectionError):  # the client hangs up at its deadline
                for _ in range(50):
                    self.wfile.write(b"\xff")
                    self.wfile.flush()
                    time.sleep(0.2)
        else:
            self._answer(404, b"")

    def _answer(self, status: int, body: bytes | None, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None):
    """``PORT`` of a real HTTP (or, with ``tls``, HTTPS) server on 127.0.0.1, in a thread."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), type("Routes", (Handler,), {}))
    httpd.daemon_threads = True
    httpd.RequestHandlerClass.port = httpd.server_address[1]
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def server():
    """``http://127.0.0.1:PORT`` of the test server."""
    with serving() as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def tls_port(tmp_path, monkeypatch):
    """Port of the test server over HTTPS with a certificate for ``localhost`` only, trusted through SSL_CERT_FILE."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder(name, name, key.public_key(), x509.random_serial_number(), now, now + HOUR)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    with serving(context) as port:
        yield port


@pytest.fixture
def silent_url():
    """A URL whose server accepts connections (the kernel's backlog does) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/x.jpg"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("kind", ["fifo", "directory", "device"])
def test_a_path_that_is_not_a_regular_file_is_refused_without_opening_it(tmp_path, kind):
    path = tmp_path / "x.jpg"
    if kind == "fifo":
        os.mkfifo(path)  # opening it to read would wait for a writer forever
    elif kind == "directory":
        path.mkdir()
    else:
        path = "/dev/zero"  # endless
    started = time.monotonic()
    assert refusal(str(path)) == "not a regular file"
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("width", "height", "settings", "reason"),
    [
        (30_000, 30_000, Settings(), "image has too many pixels (decompression bomb)"),  # past PIL's own limit
        (12_000, 12_000, Settings(), "image has too many pixels (12000x12000 > 100000000; see --max-image-pixels)"),
        (40, 40, Settings(max_image_pixels=1000), "image has too many pixels (40x40 > 1000"),
    ],
)
def test_decompression_bombs_are_refused_from_the_header(tmp_path, width, height, settings, reason):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(width, height))
    assert path.stat().st_size < 300_000
    assert refusal(str(path), ImagePolicy(settings)).startswith(reason)


def test_a_normal_image_within_the_limits_is_read(tmp_path):
    path = tmp_path / "ok.png"
    path.write_bytes(png_bomb(40, 40))
    sha256, image = images.read_image(str(path), ImagePolicy(Settings(max_image_pixels=1600)))
    assert image.size == (40, 40) and image.mode == "RGB" and len(sha256) == 64


def test_a_file_over_max_image_bytes_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.jpg"
    path.write_bytes(jpeg())
    size = path.stat().st_size
    reason = refusal(str(path), ImagePolicy(Settings(max_image_bytes=size - 1)))
    assert reason == f"image file too large ({size} bytes > {size - 1}; see --max-image-bytes)"
    assert images.read_image(str(path), ImagePolicy(Settings(max_image_bytes=size)))[1].size == (40, 40)


def test_loopback_urls_are_refused_unless_private_urls_are_allowed(server):
    reason = "image URL host '127.0.0.1' resolves to 127.0.0.1 (loopback address): see --allow-private-urls"
    assert refusal(f"{server}/x.jpg", ImagePolicy(Settings())) == reason
    assert "allow-private-urls" in refusal(f"{server.replace('127.0.0.1', 'localhost')}/x.jpg", ImagePolicy())
    sha256, image = images.read_image(f"{server}/x.jpg", ImagePolicy(PRIVATE_OK))
    assert image.size == (40, 40)
    assert images.read_image(f"{server}/go/image", ImagePolicy(PRIVATE_OK))[0] == sha256  # a redirect, followed
    assert refusal(f"{server}/absent.jpg", ImagePolicy(PRIVATE_OK)) == "image URL unreachable or not found (HTTP 404)"


def test_https_connects_to_the_checked_address_and_verifies_the_urls_host(tls_port):
    assert images.read_image(f"https://localhost:{tls_port}/x.jpg", ImagePolicy(PRIVATE_OK))[1].size == (40, 40)
    reason = refusal(f"https://127.0.0.1:{tls_port}/x.jpg", ImagePolicy(PRIVATE_OK))  # not a name the certificate has
    assert reason.startswith("image URL's TLS connection failed: [SSL: CERTIFICATE_VERIFY_FAILED]")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_address_kinds(address, kind):
    assert images._address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://[::1]:9/x.jpg", "'::1' resolves to ::1 (loopback"),
        ("http://169.254.169.254/latest/meta-data", "'169.254.169.254' resolves to 169.254.169.254 (link-local"),
    ],
)
def test_private_addresses_are_refused_before_connecting(url, shown):
    assert refusal(url) == f"image URL host {shown} address): see --allow-private-urls"


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("file", "image URL scheme 'file' is not allowed (allowed: http, https; see --image-url-schemes)"),
        ("ftp", "image URL scheme 'ftp' is not allowed"),
        ("unspecified", "image URL host '0.0.0.0' resolves to 0.0.0.0 (unspecified address): never fetched"),
        ("loop", "image URL redirects more than 5 times"),
    ],
)
def test_every_redirect_hop_is_checked_like_the_first_url(server, where, reason):
    # 0.0.0.0 reaches this very server on Linux: refused by the hop's address check, not by being unreachable.
    assert refusal(f"{server}/go/{where}", ImagePolicy(PRIVATE_OK)).startswith(reason)


@pytest.mark.timeout(10)
def test_a_server_that_never_answers_times_out(silent_url):
    started = time.monotonic()
    reason = refusal(silent_url, ImagePolicy(Settings(allow_private_urls=True, image_timeout_s=1)))
    assert reason == "image not read within 1 s (see --image-timeout-s)"
    assert time.monotonic() - started < 2


@pytest.mark.timeout(10)
def test_the_timeout_bounds_the_whole_read_not_each_chunk(server):
    started = time.monotonic()
    reason = refusal(f"{server}/trickle", ImagePolicy(Settings(allow_private_urls=True, image_timeout_s=1)))
    assert reason == "image not read within 1 s (see --image-timeout-s)"
    assert time.monotonic() - started < 2


def test_download_size_is_capped_by_content_length_and_while_streaming(server):
    size = len(jpeg())
    announced = ImagePolicy(Settings(allow_private_urls=True, max_image_bytes=size - 1))
    reason = f"image file too large ({size} bytes > {size - 1}; see --max-image-bytes)"
    assert refusal(f"{server}/x.jpg", announced) == reason
    streamed = ImagePolicy(Settings(allow_private_urls=True, max_image_bytes=5000))
    assert refusal(f"{server}/chunked", streamed) == "image file too large (over 5000 bytes; see --max-image-bytes)"


def test_file_and_ftp_urls_are_refused_by_scheme():
    assert refusal("file:///etc/passwd").startswith("image URL scheme 'file' is not allowed")
    assert refusal("ftp://example.com/x.jpg").startswith("image URL scheme 'ftp' is not allowed")
    assert refusal("s3://bucket/x.jpg").startswith("image URL scheme 's3' is not allowed")


def test_listed_file_scheme_keeps_the_folder_rules(tmp_path):
    (tmp_path / "a.jpg").write_bytes(jpeg())
    policy = ImagePolicy(Settings(image_url_schemes=["http", "https", "file"]), (tmp_path.resolve(),))
    assert images.read_image((tmp_path / "a.jpg").as_uri(), policy)[1].size == (40, 40)
    leaves = "image path leaves the allowed folders (the catalog's and --image-roots)"
    assert refusal("file:///etc/passwd", policy) == leaves


def test_symlinks_leaving_the_catalog_folder_are_refused_and_image_roots_allowed(tmp_path):
    folder, shared, elsewhere = tmp_path / "catalog", tmp_path / "shared", tmp_path / "elsewhere"
    for path in (folder, shared, elsewhere):
        path.mkdir()
        (path / "x.jpg").write_bytes(jpeg())
    (folder / "link.jpg").symlink_to(elsewhere / "x.jpg")
    (folder / "inner.jpg").symlink_to(folder / "x.jpg")
    policy = ImagePolicy.for_catalog(folder / "catalog.csv", Settings(image_roots=[str(shared)]))
    leaves = "image path leaves the allowed folders (the catalog's and --image-roots)"
    assert refusal(str(folder / "link.jpg"), policy) == leaves
    assert refusal(str(elsewhere / "x.jpg"), policy) == leaves  # absolute paths too
    assert refusal(str(folder / ".." / "elsewhere" / "x.jpg"), policy) == leaves
    for allowed in (folder / "x.jpg", folder / "inner.jpg", shared / "x.jpg"):
        assert images.read_image(str(allowed), policy)[1].size == (40, 40)


@pytest.mark.timeout(120)
def test_images_stage_quarantines_hostile_references_and_grounds_the_rest(tmp_path, server):
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(jpeg())
    os.mkfifo(folder / "pipe.jpg")
    (folder / "bomb.png").write_bytes(png_bomb(30_000, 30_000))
    (tmp_path / "secret.jpg").write_bytes(jpeg((1, 2, 3)))
    (folder / "link.jpg").symlink_to(tmp_path / "secret.jpg")
    expected = {
        "fifo": ("pipe.jpg", "not a regular file"),
        "bomb": ("bomb.png", "image has too many pixels"),
        "loopback": (f"{server}/x.jpg", "image URL host '127.0.0.1' resolves to 127.0.0.1 (loopback address)"),
        "symlink": (str(folder / "link.jpg"), "image path leaves the allowed folders"),
        # Ingest passes a relative path that stays in the folder as written; where its link leads is judged here.
        "relative symlink": ("link.jpg", "image path leaves the allowed folders"),
        "outside": (str(tmp_path / "secret.jpg"), "image path leaves the allowed folders"),
        "passwd": ("file:///etc/passwd", "image URL scheme 'file' is not allowed"),
    }
    rows = [("good", "Blue Cotton Dress", "good.jpg")]
    rows += [(pid, f"Blue Cotton Dress {pid}", reference) for pid, (reference, _) in expected.items()]
    catalog = folder / "catalog.csv"
    pd.DataFrame(rows, columns=["product_id", "title", "image"]).to_csv(catalog, index=False)
    # worker processes: the policy travels to them pickled
    settings = Settings(clip_model="none", clip_workers=2, clip_batch_size=2, image_timeout_s=5)
    workdir = tmp_path / "work"
    pipeline.begin_build(catalog, workdir, settings)
    pipeline.run_stage("ingest", workdir)
    layout = Layout(workdir)
    products = read_parquet(layout.products)
    dress_concept(layout, products["product_id"])

    report = pipeline.run_stage("images", workdir)
    assert (report["input_rows"], report["accepted"], report["quarantined"]) == (8, 1, 7)
    reasons = read_parquet(layout.quarantine("images")).set_index("product_id")["reason"]
    assert {pid: reasons[pid].startswith(reason) for pid, (_, reason) in expected.items()} == dict.fromkeys(
        expected, True
    ), reasons.to_dict()
    assert read_parquet(layout.concept_images)["product_id"].tolist() == ["good"]
