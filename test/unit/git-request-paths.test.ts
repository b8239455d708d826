/** The smart-HTTP remote's path allow-list: only the three smart-protocol endpoints of /git/<project>/<service>.git. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGitRequest } from '../../src/http/routes/git-http.routes.js';

describe('git request paths', () => {
  it('accepts the smart protocol endpoints and says which git command serves them', () => {
    assert.deepEqual(parseGitRequest('GET', '/git/shop/web.git/info/refs?service=git-upload-pack'), {
      project: 'shop',
      service: 'web',
      pathTail: 'info/refs',
      query: 'service=git-upload-pack',
      command: 'upload-pack',
    });
    assert.equal(
      parseGitRequest('GET', '/git/shop/web.git/info/refs?service=git-receive-pack')?.command,
      'receive-pack',
    );
    assert.equal(parseGitRequest('POST', '/git/shop/web.git/git-receive-pack')?.command, 'receive-pack');
    assert.equal(parseGitRequest('POST', '/git/shop/web.git/git-upload-pack')?.command, 'upload-pack');
  });

  it('refuses traversal, odd names, encodings, dumb-protocol paths and wrong methods', () => {
    for (const [method, url] of [
      ['GET', '/git/shop/../web.git/info/refs?service=git-upload-pack'],
      ['GET', '/git/../../etc/passwd'],
      ['GET', '/git/shop/%2e%2e.git/info/refs?service=git-upload-pack'],
      ['GET', '/git//etc/web.git/info/refs?service=git-upload-pack'],
      ['GET', '/git/shop/--upload-pack=x.git/info/refs?service=git-upload-pack'],
      ['GET', '/git/shop/main;id.git/info/refs?service=git-upload-pack'],
      ['GET', '/git/shop/web.git/info/refs'],
      ['GET', '/git/shop/web.git/info/refs?service=git-upload-archive'],
      ['GET', '/git/shop/web.git/HEAD'],
      ['GET', '/git/shop/web.git/objects/info/packs'],
      ['POST', '/git/shop/web.git/info/refs?service=git-upload-pack'],
      ['GET', '/git/shop/web.git/git-upload-pack'],
      ['POST', '/git/shop/web.git/git-receive-pack?x=1'],
      ['GET', '/git/Shop/web.git/info/refs?service=git-upload-pack'],
    ] as const) {
      assert.equal(parseGitRequest(method, url), undefined, `${method} ${url}`);
    }
  });
});
